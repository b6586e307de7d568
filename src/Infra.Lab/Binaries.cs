using System.Reflection;

namespace Infra.Lab;

/// <summary>
/// The stand-in programs the lab runs, built with this project: in their own bin folders (see the csproj's metadata),
/// or next to the program using the lab when it was built into one folder (`./infra` builds into .artifacts/infra).
/// </summary>
public static class Binaries
{
    private static readonly Lazy<string> App = new(() => Find("TestAppDir", "Microblog.TestApp"));
    private static readonly Lazy<string> Double = new(() => Find("CrateDoubleDir", "Microblog.CrateDouble"));
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string TestApp => App.Value;

    public static string CrateDouble => Double.Value;

    /// <summary>The repository these programs are built from (the folder holding Infra.sln): the stand-in images publish them from there.</summary>
    public static string SourceRoot => Root.Value;

    private static string Find(string key, string name)
    {
        var dir = typeof(Binaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var path = Path.GetFullPath(Path.Combine(dir, name));
        var beside = Path.Combine(AppContext.BaseDirectory, name);
        return File.Exists(path) ? path
            : File.Exists(beside) ? beside
            : throw new FileNotFoundException($"{name} is not built at {path} (nor at {beside}): build the solution first");
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
