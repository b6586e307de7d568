using System.Globalization;
using Infra.Topology.Configs;
using Infra.Topology.Model;

namespace Infra.Topology.Plan;

/// <summary>The shell text of every command step, exactly as it runs on a host or on the operator's machine.</summary>
public static class Scripts
{
    /// <summary>How long a new or restarted container may take to report healthy before the rollout stops.</summary>
    public const int HealthWaitSeconds = 120;

    /// <summary>How long a CrateDB node may take to join its cluster before the rollout stops.</summary>
    public const int JoinWaitSeconds = 180;

    /// <summary>How often a wait asks Docker (local and cheap): a ready step ends within half a second of Docker's "healthy".</summary>
    public const double DockerPollSeconds = 0.5;

    /// <summary>How often a wait asks CrateDB (a query of its system tables, from inside the node's container).</summary>
    public const double CratePollSeconds = 1;

    /// <summary>The head of a wait's loop: <paramref name="seconds"/> in all, one try every <paramref name="every"/> seconds.</summary>
    public static string Tries(int seconds, double every) =>
        $"for i in $(seq 1 {(int)Math.Ceiling(seconds / every)}); do ";

    /// <summary>The pause between a wait's tries.</summary>
    public static string Pause(double every) => $"sleep {every.ToString(CultureInfo.InvariantCulture)}; ";

    /// <summary>A post-update check's retries: services take a while to settle after an update.</summary>
    private const int CheckAttempts = 30;

    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Writing under /etc, sysctl and nft need root: sudo -n, unless the SSH user is root. Docker commands run as the
    /// SSH user (in the docker group), as the operator does on a localhost stack.
    /// </summary>
    public static string AsRoot(Host host, string script) =>
        !host.Access.Local && host.Access.Ssh.User == "root" ? script : $"sudo -n sh -c {Quote(script)}";

    /// <summary>
    /// `cat >` rewrites the file in place, keeping its inode: a single-file bind mount keeps pointing at that inode,
    /// so the running container sees the new content (a write-and-rename would leave it the old file).
    /// </summary>
    public static string Write(PlacedFile file) =>
        $"mkdir -p {Quote(Path.GetDirectoryName(file.HostPath)!)} && cat > {Quote(file.HostPath)} && chmod {file.Mode} {Quote(file.HostPath)}";

    /// <summary>The whole ruleset, atomically: what it no longer admits is withdrawn (nft -f replaces the table in one step).</summary>
    public static string ApplyFirewall(PlacedFile file) => $"nft -f {Quote(file.HostPath)}";

    /// <summary>
    /// What the ruleset newly admits, added to the rules in force and nothing withdrawn (its `add element` lines alone), where
    /// the host has a table of this layout; elsewhere (a first deploy, a ruleset an earlier release wrote) the whole file.
    /// </summary>
    public static string OpenFirewall(PlacedFile file) =>
        $"if nft list table {FirewallConfig.Table} 2>/dev/null | grep -qF {Quote(TableMark)}; " +
        $"then grep '^add element ' {Quote(file.HostPath)} | nft -f -; else nft -f {Quote(file.HostPath)}; fi";

    /// <summary>How `nft list` prints the table's comment.</summary>
    private static readonly string TableMark = $"comment \"{FirewallConfig.TableComment}\"";

    public static string ConfigDir(string configDir) => $"mkdir -p {Quote(configDir)} && chmod 755 {Quote(configDir)}";

    public static string MaxMapCount(int count) =>
        $"sysctl -w vm.max_map_count={count} && echo 'vm.max_map_count={count}' > /etc/sysctl.d/60-microblog-crate.conf";

    /// <summary>Docker would create a folder where a bind-mounted file is missing: say what to put where instead.</summary>
    public static string RequireFile(string path, string host, string key) =>
        $"test -r {Quote(path)} || {{ echo {Quote($"{host}: {path} is missing or unreadable: put the PEM file (certificate chain and private key) there ({key})")} >&2; exit 1; }}";

    public static string Signal(string container, string signal) => $"docker kill --signal={signal} {container}";

    /// <summary>
    /// Restarts the container only when it started before its newest config file was written: a container created
    /// after its files (a first deploy, a replacement) already read them, and a restart would cost a second start.
    /// </summary>
    public static string RestartUntilHealthy(string container, IEnumerable<string> files) =>
        $"if [ \"$(stat -c %Y {string.Join(' ', files.Select(Quote))} | sort -n | tail -n 1)\" -gt \"$(date -d \"$(docker inspect -f '{{{{.State.StartedAt}}}}' {container})\" +%s)\" ]; " +
        $"then docker restart {container} && {WaitSeenUp(container)}; else echo \"{container} started after its config was written: no restart needed\"; fi";

    /// <summary>
    /// Docker's own health status: the same check, on the same schedule, the container reports to operators; asked
    /// every half second, so the rollout goes on as soon as Docker says healthy.
    /// </summary>
    public static string WaitHealthy(string container) =>
        Tries(HealthWaitSeconds, DockerPollSeconds) +
        $"[ \"$(docker inspect -f '{{{{.State.Health.Status}}}}' {container})\" = healthy ] && exit 0; {Pause(DockerPollSeconds)}done; " +
        $"echo \"{container} is not healthy {HealthWaitSeconds}s after it started\" >&2; exit 1";

    /// <summary>
    /// Healthy by Docker's check, and then long enough for every proxy that checks the service to have seen it UP
    /// (<see cref="ProxyTimeouts.SeenUpWithinMs"/>): only then may the rollout take the next ones down.
    /// </summary>
    public static string WaitSeenUp(string container) =>
        $"( {WaitHealthy(container)} ) && sleep {(ProxyTimeouts.SeenUpWithinMs / 1000.0).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Runs inside a container on the host network: it reaches what the host itself reaches.</summary>
    public static string InContainer(string container, string script) => $"docker exec {container} sh -c {Quote(script)}";

    /// <summary>As <see cref="InContainer"/>, with the step's stdin passed on to the script.</summary>
    public static string InContainerWithStdin(string container, string script) => $"docker exec -i {container} sh -c {Quote(script)}";

    /// <summary>
    /// Until <paramref name="node"/> is listed in its cluster, asked through itself (from inside its container, on its
    /// loopback, where the superuser is trusted). When it answers with no node list, the cluster has not formed: that
    /// is expected (and accepted) only while fewer master-eligible nodes have started than it takes to elect a
    /// master, as on a first deploy.
    /// </summary>
    public static string WaitJoined(Instance node, int startedBefore, int quorum)
    {
        var url = Quote(CrateConfig.LocalSqlUrl(node));
        var started = (startedBefore + 1).ToString(CultureInfo.InvariantCulture);
        var q = quorum.ToString(CultureInfo.InvariantCulture);
        return
            Tries(JoinWaitSeconds, CratePollSeconds) +
            $"if r=$(curl -fsS -H 'Content-Type: application/json' -X POST {url} -d '{{\"stmt\":\"select name from sys.nodes\"}}' 2>/dev/null); then " +
            $"case \"$r\" in *'\"{node.Name}\"'*) exit 0;; esac; " +
            $"elif [ {started} -lt {q} ]; then echo \"{node.Name}: no cluster yet ({started} of the {q} master-eligible nodes it takes have started)\"; exit 0; fi; " +
            $"{Pause(CratePollSeconds)}done; " +
            $"echo \"{node.Name} has not joined cluster after {JoinWaitSeconds}s\" >&2; exit 1";
    }

    /// <summary>
    /// Creates the apps' CrateDB user, or sets its password when it exists, and grants its privileges: run inside a
    /// node's container, where the superuser is trusted. The password arrives on stdin, never in the script, goes
    /// into the statement as a parameter (so CrateDB's job log shows `?`), and no answer that could repeat it is
    /// printed. Every statement is safe to run again.
    /// </summary>
    public static string CrateAppUser(Instance via)
    {
        var url = Quote(CrateConfig.LocalSqlUrl(via));
        var user = CrateAccess.User;
        var grant = $"GRANT {CrateAccess.Privileges} ON SCHEMA {CrateAccess.Schema} TO {user}";
        return string.Join(' ', new[]
        {
            "IFS= read -r password || { echo 'no password on stdin' >&2; exit 1; };",
            $$"""sql() { code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -X POST {{url}} --data-binary @-) || return 1;""",
            """[ "$code" = 200 ] || { echo "CrateDB answered $code to: $1" >&2; return 1; }; };""",
            $$"""n=$(curl -fsS -H 'Content-Type: application/json' -X POST {{url}} -d '{"stmt":"select count(*) from sys.users where name = ?","args":["{{user}}"]}' | sed -E 's/.*"rows":\[\[([0-9]+)\]\].*/\1/');""",
            $$"""case "$n" in 0) stmt='CREATE USER {{user}} WITH (password = ?)';; 1) stmt='ALTER USER {{user}} SET (password = ?)';;""",
            $$"""*) echo "cannot tell whether CrateDB user {{user}} exists (sys.users answered: $n)" >&2; exit 1;; esac;""",
            """printf '{"stmt":"%s","args":["%s"]}' "$stmt" "$password" | sql "$stmt" || exit 1;""",
            $$"""printf '{"stmt":"%s"}' '{{grant}}' | sql '{{grant}}' || exit 1;""",
            $$"""echo "CrateDB user {{user}}: password set; {{CrateAccess.Privileges}} on schema {{CrateAccess.Schema}}" """.TrimEnd(),
        });
    }

    /// <summary>
    /// Every node of the stack listed by the cluster. Nodes that leave in the same update are still there when the check
    /// runs (they are decommissioned at its end), so the check asks for names, not a count.
    /// </summary>
    public static string CrateClusterCheck(Instance via, IReadOnlyList<Instance> nodes, string clusterName)
    {
        var url = CrateConfig.LocalSqlUrl(via);
        return Retry(
            $"r=$(curl -fsS -H 'Content-Type: application/json' -X POST {Quote(url)} -d '{{\"stmt\":\"select name from sys.nodes\"}}'); missing=; " +
            $"for n in {string.Join(' ', nodes.Select(n => n.Name))}; do case \"$r\" in *\"\\\"$n\\\"\"*) ;; *) missing=\"$missing $n\";; esac; done",
            "[ -z \"$missing\" ]",
            $"CrateDB at {url} does not list$missing in cluster {clusterName}");
    }

    public static string FrontDoorCheck(string url) =>
        Retry($"code=$(curl -s -o /dev/null -w '%{{http_code}}' {Quote(url)})", "[ \"$code\" = 200 ]", $"the front door {url} answered $code, not 200");

    private static string Retry(string probe, string test, string failure) =>
        $"for i in $(seq 1 {CheckAttempts}); do {probe}; if {test}; then exit 0; fi; sleep 2; done; echo \"{failure}\" >&2; exit 1";
}
