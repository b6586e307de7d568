using Infra.Topology.Configs;
using Infra.Topology.Plan;

namespace Infra.Components;

/// <summary>The shell steps around the plan's files and commands: how a file lands and how a change is applied.</summary>
public static class Delivery
{
    /// <summary>How long a restarted app may take to report healthy before the rollout stops.</summary>
    public const int HealthWaitSeconds = 120;

    // `cat >` rewrites the file in place, keeping its inode: a single-file bind mount keeps pointing at
    // that inode, so the running container sees the new content (a write-and-rename would leave it the old file).
    public static ShellRun Write(PlacedFile file) =>
        new($"mkdir -p {Path.GetDirectoryName(file.HostPath)} && cat > {file.HostPath}", file.File.Content, [file.Sha256], AsRoot: true);

    /// <summary>The nftables ruleset is replaced atomically by `nft -f`.</summary>
    public static ShellRun ApplyFirewall(PlacedFile file) =>
        new($"nft -f {file.HostPath}", Triggers: [file.Sha256], AsRoot: true);

    /// <summary>
    /// The service's reload or restart, re-run whenever one of its files changes. A restart waits for the
    /// container to report healthy, so the next one in the rollout starts only then.
    /// </summary>
    public static ShellRun Apply(ServicePlan service, HostCommand apply) =>
        new(service.OnConfigChange == ChangeAction.RollingRestart ? $"{apply.Script} && {{ {WaitHealthy(service.Name)}; }}" : apply.Script,
            Triggers: service.Files.Select(f => f.Sha256).ToList());

    /// <summary>A check run inside a container on the host network: it reaches what the host itself reaches.</summary>
    public static ShellRun InContainer(string container, ShellRun run) =>
        run with { Script = $"docker exec {container} sh -c {HostShell.Quote(run.Script)}" };

    private static string WaitHealthy(string container) =>
        $"for i in $(seq 1 {HealthWaitSeconds / 2}); do " +
        $"[ \"$(docker inspect -f '{{{{.State.Health.Status}}}}' {container})\" = healthy ] && exit 0; sleep 2; done; " +
        $"echo \"{container} is not healthy {HealthWaitSeconds}s after its restart\" >&2; exit 1";
}
