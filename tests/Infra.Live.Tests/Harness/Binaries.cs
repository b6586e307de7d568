using System.Reflection;

namespace Infra.Live.Tests.Harness;

/// <summary>The stand-in programs the live tests run; built with this project (see the csproj's metadata).</summary>
public static class Binaries
{
    public static string TestApp { get; } = Find("TestAppDir", "Microblog.TestApp");

    public static string CrateDouble { get; } = Find("CrateDoubleDir", "Microblog.CrateDouble");

    private static string Find(string key, string name)
    {
        var dir = typeof(Binaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var path = Path.GetFullPath(Path.Combine(dir, name));
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not built at {path}: build the solution first");
    }
}
