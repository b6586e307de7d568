namespace Infra.Tests.Support;

/// <summary>
/// Checked-in expected outputs under tests/Infra.Tests/golden. `UPDATE_GOLDEN=1 dotnet test` rewrites them;
/// the diff of a golden file in a commit is the review of a change to the deployed resources.
/// </summary>
public static class Golden
{
    public static string Folder => Path.Combine(Repo.Root, "tests", "Infra.Tests", "golden");

    public static void Check(string relativePath, string actual)
    {
        var path = Path.Combine(Folder, relativePath);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"no golden file {path}: run the tests with UPDATE_GOLDEN=1 to create it, then review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
