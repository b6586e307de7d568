using System.Text.RegularExpressions;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>
/// The Pulumi program only maps the plan's steps to resources: whatever runs on a host, every path, URL, port and
/// Docker option comes from the core. Runs here, where the Pulumi packages may not resolve: it reads the source.
/// </summary>
public partial class PulumiLayerTests
{
    [Fact]
    public void No_shell_text_path_url_port_or_docker_option_is_written_in_the_pulumi_program()
    {
        var sources = Directory.GetFiles(Path.Combine(Repo.Root, "src", "Infra"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(sources);

        var offending = new List<string>();
        foreach (var file in sources)
        {
            var code = CommentLine().Replace(File.ReadAllText(file), "");
            foreach (Match literal in StringLiteral().Matches(code))
            {
                var text = literal.Groups["text"].Value;
                // Type tokens (microblog:infra:HostStack), output names and the like; "\n" joins log lines.
                if (!Allowed().IsMatch(text) && text != "\\n")
                {
                    offending.Add($"{Path.GetRelativePath(Repo.Root, file)}: \"{text}\"");
                }
            }

            if (Numbers().IsMatch(code))
            {
                offending.Add($"{Path.GetRelativePath(Repo.Root, file)}: a number that looks like a port or mode");
            }
        }

        Assert.True(offending.Count == 0, "write these in src/Infra.Topology/Plan instead:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void The_scan_would_see_a_script_a_path_and_a_port()
    {
        Assert.DoesNotMatch(Allowed(), "docker kill --signal=HUP");
        Assert.DoesNotMatch(Allowed(), "/etc/microblog");
        Assert.DoesNotMatch(Allowed(), "unless-stopped");
        Assert.Matches(Numbers(), "Port = 4200,");
        Assert.Matches(Allowed(), "microblog:infra:HostStack");
        Assert.Matches(StringLiteral(), "x = $\"{name}-docker\";");
        Assert.Contains("http://x", StringLiteral().Match(CommentLine().Replace("  // a comment\nvar u = \"http://x\"; // and \"this\"", "")).Value, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*//.*$", RegexOptions.Multiline)]
    private static partial Regex CommentLine();

    [GeneratedRegex("\\$?@?\"(?<text>(?:[^\"\\\\\\n]|\\\\.)*)\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*(:[A-Za-z][A-Za-z0-9]*)*$")]
    private static partial Regex Allowed();

    [GeneratedRegex(@"(?<![\w.])\d{2,}(?![\w.])")]
    private static partial Regex Numbers();
}
