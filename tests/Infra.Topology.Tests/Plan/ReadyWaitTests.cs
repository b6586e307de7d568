using System.Diagnostics;
using System.Globalization;
using Infra.Topology.Plan;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>
/// A CrateDB node's ready wait, run as its step runs it, against a stand-in docker whose node spends its first polls
/// in the crate image's entrypoint (`chown -R` of /data, seen by `docker top`) and then answers; `sleep` returns at
/// once, so a wait of minutes takes a moment. A chown longer than the whole health wait is waited for and reported;
/// a node that is neither chowning nor healthy still fails after the health wait, with its last lines.
/// </summary>
public class ReadyWaitTests
{
    private static readonly int HealthPolls = (int)(Scripts.HealthWaitSeconds / Scripts.DockerPollSeconds);

    [Fact]
    public void A_chown_longer_than_the_health_wait_is_waited_for_and_reported()
    {
        // The entrypoint chowns for 1.5 times the health wait, then the node answers two polls later.
        using var sandbox = new Sandbox(chownPolls: HealthPolls * 3 / 2, healthyAfter: 2);

        var (exit, output) = sandbox.Run(Scripts.WaitHealthyAfterChown("host1-crate-4200"));

        Assert.True(exit == 0, output);
        Assert.Contains("host1-crate-4200: its entrypoint is changing the owner of everything in /data", output, StringComparison.Ordinal);
        Assert.Contains($"host1-crate-4200: healthy once its entrypoint's chown of /data was done ({HealthPolls * 3 / 4} s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_that_never_answers_fails_after_the_health_wait_with_its_last_lines()
    {
        using var sandbox = new Sandbox(chownPolls: 3, healthyAfter: int.MaxValue);

        var (exit, output) = sandbox.Run(Scripts.WaitHealthyAfterChown("host1-crate-4200"));

        Assert.Equal(1, exit);
        Assert.Contains($"host1-crate-4200 is not healthy {Scripts.HealthWaitSeconds}s after it started; its last lines:\n  the node's last line", output, StringComparison.Ordinal);
        // Every poll but the chown's counted: the health wait is the same length with or without a chown before it.
        Assert.Equal(HealthPolls + 3, sandbox.Polls);
    }

    private sealed class Sandbox : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("ready-wait").FullName;

        public Sandbox(int chownPolls, int healthyAfter)
        {
            var bin = Path.Combine(_dir, "bin");
            Directory.CreateDirectory(bin);
            // Each `docker top` is one poll, answered as Docker answers (ps columns without PID are refused, as the daemon
            // does); `docker inspect` answers healthy once the chown has been over for healthyAfter polls.
            Stub(bin, "docker", $$"""
                polls=$(cat "$DIR/polls" 2>/dev/null || echo 0)
                case "$1" in
                  top) echo $((polls + 1)) > "$DIR/polls"
                       case ",$5," in *,pid,*) ;; *) echo "Error response from daemon: Couldn't find PID field in ps output" >&2; exit 1 ;; esac
                       printf 'PID                 COMMAND\n4242                %s\n' "$([ "$polls" -lt {{chownPolls}} ] && echo chown || echo java)" ;;
                  inspect) [ "$polls" -ge $(({{chownPolls}} + {{Math.Min(healthyAfter, 1_000_000)}})) ] && echo healthy || echo starting ;;
                  logs) echo "the node's last line" ;;
                esac
                """);
            Stub(bin, "sleep", "");
        }

        public int Polls => int.Parse(File.ReadAllText(Path.Combine(_dir, "polls")).Trim(), CultureInfo.InvariantCulture);

        public (int Exit, string Output) Run(string script)
        {
            var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
            psi.Environment["DIR"] = _dir;
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"still running: {script}");
            return (process.ExitCode, output.Result + errors.Result);
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static void Stub(string bin, string name, string body)
        {
            var path = Path.Combine(bin, name);
            File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
            Assert.Equal(0, Tools.Run(TimeSpan.FromSeconds(10), "chmod", "+x", path).ExitCode);
        }
    }
}
