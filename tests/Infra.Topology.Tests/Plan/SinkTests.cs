using System.Diagnostics;
using System.Text.Json;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>
/// Every place a script interpolates a name (a container's, a node's, the cluster's) quotes it, whatever the grammar
/// already kept out: fed names the grammar refuses (quotes, `$(...)`, backquotes, line breaks), each script runs with
/// stand-ins for docker, curl and the waits' clocks that record their arguments, and nothing but what the script meant
/// runs (no marker file appears) and each name reaches its program as one whole argument. A name in SQL is a string
/// literal with its quotes doubled; JSON is made by a JSON encoder.
/// </summary>
public class SinkTests
{
    public static TheoryData<string> Hostile => new()
    {
        "x'; touch \"$MARK\"; '",
        "$(touch \"$MARK\")",
        "`touch \"$MARK\"`",
        "a\"b\\\"; touch \"$MARK\"; \"",
        "line\ntouch \"$MARK\"",
        "-rf --privileged",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Every_script_that_names_a_container_or_node_keeps_the_name_one_argument_and_runs_nothing_else(string name)
    {
        var topology = Repo.Topology("three-host");
        var node = topology.Instance("host3-crate-4200") with { Name = name };
        var masters = CrateConfig.MasterEligible(topology).Select(m => m.Name == "host1-crate-4200" ? m with { Name = name } : m).ToList();
        var scripts = new Dictionary<string, string>
        {
            ["Signal"] = Scripts.Signal(name, "HUP"),
            ["RestartUntilHealthy"] = Scripts.RestartUntilHealthy(name, ["/etc/microblog/x/app.conf"]),
            ["WaitHealthy"] = Scripts.WaitHealthy(name),
            ["WaitHealthyAfterChown"] = Scripts.WaitHealthyAfterChown(name),
            ["WaitJoined"] = Scripts.AsSuperuser(node, Scripts.WaitJoined(node, 0, 2)),
            ["CrateClusterCheck"] = Scripts.AsSuperuser(node, Scripts.CrateClusterCheck(node, [node], name)),
            ["CrateAppUser"] = Scripts.AsSuperuser(node, Scripts.CrateAppUser(node), stdin: true),
            ["RollingRestart"] = CrateScripts.RollingRestart(node, alone: false, ["/etc/microblog/x/crate.yml"]),
            ["RollingRestartAlone"] = CrateScripts.RollingRestart(node, alone: true, ["/etc/microblog/x/crate.yml"]),
            ["StopBeforeReplace"] = CrateScripts.StopBeforeReplace(node, alone: false),
            ["AfterRejoin"] = Scripts.AsSuperuser(node, CrateScripts.AfterRejoin(node)),
            ["DecommissionOnDelete"] = CrateScripts.DecommissionOnDelete(node, masters, "unless-stopped"),
        };

        using var sandbox = new Sandbox();
        foreach (var (what, script) in scripts)
        {
            var result = sandbox.Run(script);
            Assert.False(File.Exists(sandbox.Mark), $"{what} ran what the name smuggled in:\n{script}\n{result}");
        }

        // Wherever Docker was told a container, it was told the whole name (or the admin container's image).
        var containers = sandbox.Calls("docker").Select(Container).OfType<string>().ToList();
        Assert.NotEmpty(containers);
        Assert.All(containers, c => Assert.Contains(c, new[] { name, "stand-in-image" }));
        Assert.Contains(name, containers);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_node_name_in_sql_is_one_string_literal_and_reaches_crate_as_that_statement(string name)
    {
        var topology = Repo.Topology("three-host");
        var node = topology.Instance("host3-crate-4200") with { Name = name };

        var statement = CrateScripts.Decommission(node);
        Assert.Equal("ALTER CLUSTER DECOMMISSION ", statement[..27]);
        Assert.Equal(name, SqlLiteral(statement[27..]));

        // Through the shell and JSON: the body curl sends is that statement, whole.
        using var sandbox = new Sandbox();
        sandbox.Run(CrateScripts.DecommissionOnDelete(node, CrateConfig.MasterEligible(topology), "unless-stopped"));
        var bodies = sandbox.Calls("curl").Select(args => args[args.IndexOf("-d") + 1]).Select(b => JsonDocument.Parse(b).RootElement.GetProperty("stmt").GetString()).ToList();
        Assert.Contains(statement, bodies);
        Assert.False(File.Exists(sandbox.Mark));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("quote \" backslash \\ line\nbreak tab\t bell\u0007")]
    [InlineData("' OR 1=1 --")]
    public void A_request_body_is_json_whatever_the_statement_or_parameter_holds(string text)
    {
        using var body = JsonDocument.Parse(JsonText.Body(text, text));
        Assert.Equal(text, body.RootElement.GetProperty("stmt").GetString());
        Assert.Equal(text, body.RootElement.GetProperty("args")[0].GetString());
    }

    /// <summary>The container a docker call names: what follows `--` (the end of its options), or the image it runs.</summary>
    private static string? Container(List<string> args) =>
        args.Count > 0 && args[0] == "run" ? args[args.IndexOf("--entrypoint") + 2]
        : args.IndexOf("--") is >= 0 and var end && end + 1 < args.Count ? args[end + 1]
        : null;

    /// <summary>A SQL string literal read back: between single quotes, each doubled quote one quote, no quote alone.</summary>
    private static string SqlLiteral(string literal)
    {
        Assert.StartsWith("'", literal, StringComparison.Ordinal);
        Assert.EndsWith("'", literal, StringComparison.Ordinal);
        var inner = literal[1..^1];
        Assert.DoesNotContain("'", inner.Replace("''", "", StringComparison.Ordinal), StringComparison.Ordinal);
        return inner.Replace("''", "'", StringComparison.Ordinal);
    }

    /// <summary>
    /// A folder with stand-ins for the programs the scripts call: each records its arguments (NUL-separated, one call a
    /// line) and answers what lets the script go on; `docker run ... -c SCRIPT` runs SCRIPT, as the container would.
    /// The waits' `seq` counts to 1 and `sleep` returns at once, so every wait gives up after one try.
    /// </summary>
    private sealed class Sandbox : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("sinks").FullName;

        public Sandbox()
        {
            var bin = Path.Combine(_dir, "bin");
            Directory.CreateDirectory(bin);
            Stub(bin, "docker", """
                case "$1" in
                  inspect) case "$3" in *Image*) echo stand-in-image ;; *StartedAt*) echo 2020-01-01T00:00:00Z ;; *Running*) echo true ;; *Health*) echo healthy ;; esac ;;
                  run) while [ "$1" != -c ]; do shift; done; exec sh -c "$2" ;;
                esac
                """);
            // Two nodes, and every table green: a decommission goes all the way.
            Stub(bin, "curl", """case "$*" in *health*) echo '{"rows":[[0]],"rowcount":1}' ;; *) echo '{"rows":[[2]],"rowcount":1}' ;; esac""");
            Stub(bin, "seq", "echo 1");
            Stub(bin, "sleep", "");
            Stub(bin, "stat", "echo 2000000000");
            Stub(bin, "date", "echo 1");
        }

        public string Mark => Path.Combine(_dir, "pwned");

        public string Run(string script)
        {
            var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
            psi.Environment["MARK"] = Mark;
            psi.Environment["CALLS"] = _dir;
            using var process = Process.Start(psi)!;
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(20)), $"still running: {script}");
            return $"exit {process.ExitCode}: {output.Result}{errors.Result}";
        }

        public IReadOnlyList<List<string>> Calls(string program)
        {
            var log = Path.Combine(_dir, program + ".calls");
            return File.Exists(log)
                ? File.ReadAllText(log).Split('\u001e', StringSplitOptions.RemoveEmptyEntries).Select(call => call.Split('\0')[..^1].ToList()).ToList()
                : [];
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static void Stub(string bin, string name, string body)
        {
            var path = Path.Combine(bin, name);
            File.WriteAllText(path, $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$CALLS/{name}.calls\"; printf '\\036' >> \"$CALLS/{name}.calls\"\n{body}\n");
            Assert.Equal(0, Tools.Run(TimeSpan.FromSeconds(10), "chmod", "+x", path).ExitCode);
        }
    }
}
