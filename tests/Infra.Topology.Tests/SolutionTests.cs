using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

/// <summary>
/// Infra.sln holds every project, so an IDE shows the whole product and a rename in the core reaches the Pulumi
/// components; Infra.NoPulumi.slnf holds the same minus those that need Pulumi's packages, for machines without them.
/// </summary>
public partial class SolutionTests
{
    [Fact]
    public void Infra_sln_holds_every_project_of_the_repository()
    {
        var projects = Directory.GetFiles(Repo.Root, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Repo.Root, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith(".", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

        Assert.Equal(projects, SolutionProjects());
        Assert.Contains("examples/HostsFromOutputs/HostsFromOutputs.csproj", projects);
    }

    [Fact]
    public void The_solution_filter_holds_every_project_that_does_not_need_pulumi()
    {
        using var filter = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "Infra.NoPulumi.slnf")));
        var filtered = filter.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray()
            .Select(p => p.GetString()!.Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        var withoutPulumi = SolutionProjects().Where(p => !NeedsPulumi(p)).ToList();
        Assert.Equal(withoutPulumi, filtered);
        Assert.Contains("src/Infra.Cli/Infra.Cli.csproj", withoutPulumi);
        Assert.DoesNotContain("src/Infra/Infra.csproj", withoutPulumi);
    }

    [Fact]
    public void Ci_runs_exactly_the_readmes_test_command()
    {
        var command = Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "README.md")), @"\| all the tests [^|]*\| `(?<command>[^`]+)` \|").Groups["command"].Value;
        var run = File.ReadAllLines(Path.Combine(Repo.Root, ".ci", "run")).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("set ", StringComparison.Ordinal) && !l.StartsWith("cd ", StringComparison.Ordinal));

        Assert.Equal("bash scripts/test", command);
        Assert.Equal([$"exec {command}"], run);
    }

    private static List<string> SolutionProjects() =>
        SlnProject().Matches(File.ReadAllText(Path.Combine(Repo.Root, "Infra.sln")))
            .Select(m => m.Groups["path"].Value.Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Whether a project references one of Pulumi's packages, itself or through a project it references.</summary>
    private static bool NeedsPulumi(string project)
    {
        var path = Path.Combine(Repo.Root, project);
        var xml = XDocument.Load(path);
        return xml.Descendants("PackageReference").Any(r => ((string?)r.Attribute("Include"))?.StartsWith("Pulumi", StringComparison.Ordinal) == true)
            || xml.Descendants("ProjectReference").Any(r => NeedsPulumi(Path.GetRelativePath(Repo.Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, ((string)r.Attribute("Include")!).Replace('\\', '/'))))));
    }

    [GeneratedRegex(@"^Project\(""\{[0-9A-F-]+\}""\) = ""[^""]+"", ""(?<path>[^""]+\.csproj)""", RegexOptions.Multiline)]
    private static partial Regex SlnProject();
}
