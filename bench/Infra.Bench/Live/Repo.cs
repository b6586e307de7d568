namespace Infra.Bench.Live;

public static class Repo
{
    /// <summary>The folder holding Infra.sln, found from the working folder upwards.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run the bench from inside the repository (no Infra.sln found upwards)");
    }

    /// <summary>The live harness's app stand-in, built by bench/run in Release.</summary>
    public static string TestApp()
    {
        var dll = Path.Combine(Root(), "tests", "Microblog.TestApp", "bin", "Release", "net10.0", "Microblog.TestApp.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build it with `dotnet build tests/Microblog.TestApp -c Release` (bench/run does)");
    }
}
