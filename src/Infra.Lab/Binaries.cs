using System.Reflection;

namespace Infra.Lab;

/// <summary>The stand-in programs the live tests run; built with this project (see the csproj's metadata).</summary>
public static class Binaries
{
    public static string TestApp { get; } = Find("TestAppDir", "Microblog.TestApp");

    public static string CrateDouble { get; } = Find("CrateDoubleDir", "Microblog.CrateDouble");

    /// <summary>The repository these programs are built from (the folder holding Infra.sln): the stand-in images publish them from there.</summary>
    public static string SourceRoot { get; } = FindRoot();

    private static string Find(string key, string name)
    {
        var dir = typeof(Binaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var path = Path.GetFullPath(Path.Combine(dir, name));
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not built at {path}: build the solution first");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Infra.sln not found above " + AppContext.BaseDirectory);
    }
}
