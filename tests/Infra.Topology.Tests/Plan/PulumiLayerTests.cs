using System.Text.RegularExpressions;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>
/// The Pulumi components only map the plan's steps to resources: whatever runs on a host, every path, URL, port and
/// Docker option comes from the core. Their own text is messages, config key names and resource names. Runs here,
/// where the Pulumi packages may not resolve: it reads the source.
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
                if (Forbidden().IsMatch(text))
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
    public void The_components_and_the_stack_file_program_read_config_through_the_sdk_only()
    {
        // An Automation API inline program has no environment to read: the SDK's config API is what it has.
        var offending = new[] { "Infra", "Infra.Stacks" }
            .SelectMany(project => Directory.GetFiles(Path.Combine(Repo.Root, "src", project), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var code && (code.Contains("GetEnvironmentVariable", StringComparison.Ordinal) || code.Contains("PULUMI_CONFIG", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(Repo.Root, f))
            .ToList();

        Assert.Empty(offending);
    }

    [Fact]
    public void The_scan_would_see_a_script_a_path_and_a_port()
    {
        Assert.Matches(Forbidden(), "docker kill --signal=HUP");
        Assert.Matches(Forbidden(), "/etc/microblog");
        Assert.Matches(Forbidden(), "{configDir}/nginx.conf");
        Assert.Matches(Forbidden(), "unless-stopped");
        Assert.Matches(Forbidden(), "ssh://{user}@{host}");
        Assert.Matches(Forbidden(), "mkdir -p {dir} && cat > {file}");
        Assert.Matches(Numbers(), "Port = 4200,");
        Assert.DoesNotMatch(Forbidden(), "microblog:infra:HostStack");
        Assert.DoesNotMatch(Forbidden(), "{source}: error: {path}.address comes from another resource: declare Family");
        Assert.Matches(StringLiteral(), "x = $\"{name}-docker\";");
        Assert.Contains("http://x", StringLiteral().Match(CommentLine().Replace("  // a comment\nvar u = \"http://x\"; // and \"this\"", "")).Value, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*//.*$", RegexOptions.Multiline)]
    private static partial Regex CommentLine();

    [GeneratedRegex("\\$?@?\"(?<text>(?:[^\"\\\\\\n]|\\\\.)*)\"")]
    private static partial Regex StringLiteral();

    /// <summary>A path, a URL, shell text, a command-line option, or a lone option value such as a restart policy.</summary>
    [GeneratedRegex(@"://|(^|[\s(=}])/[A-Za-z<{]|&&|\|\||\$\(|(^|\s)--?[a-z]|\b(docker|sudo|nft|curl|mkdir|chmod|sysctl|cat|sh) |^[a-z]+(-[a-z]+)+$")]
    private static partial Regex Forbidden();

    [GeneratedRegex(@"(?<![\w.])\d{2,}(?![\w.])")]
    private static partial Regex Numbers();
}
