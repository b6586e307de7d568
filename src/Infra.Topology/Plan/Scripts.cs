using System.Globalization;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

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
    /// so the running container sees the new content (a write-and-rename would leave it the old file). The content is
    /// first read into a file only root can read beside it, and the file is rewritten only when it differs: a write that
    /// runs again with the same content (a replaced step, a new release) leaves it and its time alone, so no restart
    /// that compares the file's time with its container's start runs for nothing. A file with a secret carries its other
    /// text in the script, where `pulumi preview` shows it, and reads only each secret on stdin (<see cref="WriteStdin"/>),
    /// a line each, put in with the shell's own printf (no process's arguments hold it).
    /// </summary>
    public static string Write(PlacedFile file)
    {
        var path = Quote(file.HostPath);
        var folder = Quote(Path.GetDirectoryName(file.HostPath)!);
        var onlyIfChanged = $"t=$(mktemp -p {folder} .microblog.XXXXXX) && {{ {Content(file)} > \"$t\" && {{ cmp -s \"$t\" {path} || cat \"$t\" > {path}; }}; r=$?; rm -f \"$t\"; [ $r = 0 ]; }}";
        return file.Owner is { } owner
            // A file with a secret is never readable by anyone else, not for an instant: made under umask 077, and an
            // existing one (an earlier release wrote 0644) given its owner and mode before its new content goes in.
            ? $"umask 077 && mkdir -p {folder} && {{ [ -e {path} ] || : > {path}; }} && chown {Quote(owner)} {path} && chmod {file.Mode} {path} && {onlyIfChanged}"
            : $"mkdir -p {folder} && {onlyIfChanged} && chmod {file.Mode} {path}";
    }

    /// <summary>What a file's write step reads on stdin: the whole content; for a file with secrets, each secret's placeholder on a line, in order.</summary>
    public static string WriteStdin(PlacedFile file) => file.HoldsSecrets
        ? string.Concat(Spec.Secrets.Split(file.File.Content).Where(p => p.Key is not null).Select(p => p.Text + "\n"))
        : file.File.Content;

    /// <summary>The command that prints the file's content: its stdin, or for a file with secrets its text with each secret read from stdin.</summary>
    private static string Content(PlacedFile file)
    {
        if (!file.HoldsSecrets)
        {
            return "cat";
        }

        var pieces = Spec.Secrets.Split(file.File.Content);
        var reads = pieces.Where(p => p.Key is not null).Select((_, i) => $"IFS= read -r s{i.ToString(CultureInfo.InvariantCulture)}").ToList();
        var secret = 0;
        var words = pieces.Select(p => p.Key is null ? Quote(p.Text) : $"\"$s{(secret++).ToString(CultureInfo.InvariantCulture)}\"");
        return $"{{ {string.Join(" && ", reads.Append($"printf '%s' {string.Join(' ', words)}"))}; }}";
    }

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

    public static string Signal(string container, string signal) => $"docker kill --signal={signal} -- {Quote(container)}";

    /// <summary>
    /// Restarts the container only when it started before its newest config file was written: a container created
    /// after its files (a first deploy, a replacement) already read them, and a restart would cost a second start.
    /// </summary>
    public static string RestartUntilHealthy(string container, IEnumerable<string> files) =>
        $"if [ \"$(stat -c %Y {string.Join(' ', files.Select(Quote))} | sort -n | tail -n 1)\" -gt \"$(date -d \"$(docker inspect -f '{{{{.State.StartedAt}}}}' -- {Quote(container)})\" +%s)\" ]; " +
        $"then docker restart -- {Quote(container)} && {WaitSeenUp(container)}; else echo {Quote($"{container} started after its config was written: no restart needed")}; fi";

    /// <summary>
    /// Docker's own health status: the same check, on the same schedule, the container reports to operators; asked
    /// every half second, so the rollout goes on as soon as Docker says healthy. When it is not, its last log lines say why.
    /// </summary>
    public static string WaitHealthy(string container) =>
        Tries(HealthWaitSeconds, DockerPollSeconds) +
        $"[ \"$(docker inspect -f '{{{{.State.Health.Status}}}}' -- {Quote(container)})\" = healthy ] && exit 0; {Pause(DockerPollSeconds)}done; " +
        NotHealthy(container, HealthWaitSeconds);

    /// <summary>How long the crate image's entrypoint may take to `chown -R` the data folder before CrateDB starts (millions of files on a slow disk).</summary>
    public const int ChownWaitSeconds = 7200;

    /// <summary>
    /// Healthy by Docker's check, and then long enough for every proxy that checks the service to have seen it UP
    /// (<see cref="ProxyTimeouts.SeenUpWithinMs"/>): only then may the rollout take the next ones down.
    /// </summary>
    public static string WaitSeenUp(string container) =>
        $"( {WaitHealthy(container)} ) && sleep {(ProxyTimeouts.SeenUpWithinMs / 1000.0).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// <see cref="WaitHealthy"/> for a CrateDB node: the crate image's entrypoint changes the owner of everything in /data
    /// at every start before CrateDB starts, which on a big data folder takes longer than the health wait. While a
    /// `chown` runs in the container (`docker top`, from the host) the wait says so and does not count that time; then
    /// CrateDB has the usual <see cref="HealthWaitSeconds"/> to answer.
    /// </summary>
    public static string WaitHealthyAfterChown(string container)
    {
        var polls = (int)Math.Ceiling(HealthWaitSeconds / DockerPollSeconds);
        var chownPolls = (int)Math.Ceiling(ChownWaitSeconds / DockerPollSeconds);
        var name = Quote(container);
        // `docker top` refuses ps columns without PID ("Couldn't find PID field"): pid,comm, then the command's name.
        return
            $"n=0; chown=0; while [ $n -lt {polls} ]; do " +
            $"if [ \"$(docker inspect -f '{{{{.State.Health.Status}}}}' -- {name})\" = healthy ]; then " +
            $"[ $chown = 0 ] || echo {Quote($"{container}: healthy once its entrypoint's chown of /data was done (")}\"$((chown / 2))\"{Quote(" s)")}; exit 0; fi; " +
            $"if docker top -- {name} -o pid,comm 2>/dev/null | grep -q '[[:space:]]chown$'; then " +
            $"[ $chown = 0 ] && echo {Quote($"{container}: its entrypoint is changing the owner of everything in /data (chown -R, at every start of the crate image): waiting for it, up to {ChownWaitSeconds} s, before CrateDB's {HealthWaitSeconds} s to answer begin")}; " +
            $"chown=$((chown + 1)); [ $chown -lt {chownPolls} ] || {{ echo {Quote($"{container}: its entrypoint's chown of /data has not finished in {ChownWaitSeconds} s")} >&2; exit 1; }}; " +
            $"else n=$((n + 1)); fi; {Pause(DockerPollSeconds)}done; " +
            NotHealthy(container, HealthWaitSeconds);
    }

    private static string NotHealthy(string container, int seconds) =>
        $"echo {Quote($"{container} is not healthy {seconds}s after it started; its last lines:")} >&2; docker logs --tail 5 -- {Quote(container)} 2>&1 | sed 's/^/  /' >&2; exit 1";

    /// <summary>
    /// Runs <paramref name="script"/> as CrateDB's superuser: in a throwaway container on the admin network (the only
    /// place the superuser is trusted, see <see cref="CrateAccess"/>), from the image <paramref name="node"/> runs (it has
    /// curl, and it is on the host), on the node's own host; the script asks the node at <see cref="CrateConfig.AdminSqlUrl"/>.
    /// With <paramref name="stdin"/> the step's stdin is passed on to the script.
    /// </summary>
    public static string AsSuperuser(Instance node, string script, bool stdin = false) =>
        $"{{ image=$(docker inspect -f '{{{{.Image}}}}' -- {Quote(node.Name)}) || {{ echo {Quote($"{node.Name} has no container to ask")} >&2; exit 1; }}; " +
        $"docker run --rm{(stdin ? " -i" : "")} --network {CrateAccess.AdminNetwork} --cap-drop NET_RAW --entrypoint sh \"$image\" -c {Quote(script)}; }}";

    /// <summary>
    /// The admin network on a CrateDB host: made once, checked every time (a network of that name with another subnet
    /// would put strangers' addresses where CrateDB trusts its superuser). Docker keeps it across reboots and makes its
    /// bridge before it starts the containers, so each node can listen on its gateway address from its first start.
    /// </summary>
    public static string AdminNetwork()
    {
        var name = CrateAccess.AdminNetwork;
        return
            $"docker network inspect {name} >/dev/null 2>&1 || docker network create --driver bridge --subnet {CrateAccess.AdminSubnet} " +
            $"--ip-range {CrateAccess.AdminClients} --gateway {CrateAccess.AdminGateway} -o com.docker.network.bridge.name={CrateAccess.AdminBridge} " +
            $"-o com.docker.network.bridge.enable_ip_masquerade=false --label microblog.role=crate-admin {name} >/dev/null && " +
            $"[ \"$(docker network inspect -f '{{{{range .IPAM.Config}}}}{{{{.Subnet}}}} {{{{.IPRange}}}} {{{{.Gateway}}}}{{{{end}}}} {{{{index .Options \"com.docker.network.bridge.name\"}}}}' {name})\" = " +
            $"{Quote($"{CrateAccess.AdminSubnet} {CrateAccess.AdminClients} {CrateAccess.AdminGateway} {CrateAccess.AdminBridge}")} ] || " +
            $"{{ echo {Quote($"the Docker network {name} exists with other settings than {CrateAccess.AdminSubnet} (clients {CrateAccess.AdminClients}, gateway {CrateAccess.AdminGateway}, bridge {CrateAccess.AdminBridge}): CrateDB trusts its superuser from there; remove it (docker network rm {name}) and run the update again")} >&2; exit 1; }}";
    }

    /// <summary>
    /// Until <paramref name="node"/> is listed in its cluster, asked through itself as the superuser (run by
    /// <see cref="AsSuperuser"/>). When it answers with no node list, the cluster has not formed: that is expected (and
    /// accepted) only while fewer master-eligible nodes have started than it takes to elect a master, as on a first deploy.
    /// </summary>
    public static string WaitJoined(Instance node, int startedBefore, int quorum)
    {
        var url = Quote(CrateConfig.AdminSqlUrl(node));
        var started = (startedBefore + 1).ToString(CultureInfo.InvariantCulture);
        var q = quorum.ToString(CultureInfo.InvariantCulture);
        return
            Tries(JoinWaitSeconds, CratePollSeconds) +
            $"if r=$(curl -fsS -H 'Content-Type: application/json' -X POST {url} -d {Quote(JsonText.Body(CrateScripts.NodeNames))} 2>/dev/null); then " +
            $"case \"$r\" in *{Quote(JsonText.String(node.Name))}*) exit 0;; esac; " +
            $"elif [ {started} -lt {q} ]; then echo {Quote($"{node.Name}: no cluster yet ({started} of the {q} master-eligible nodes it takes have started)")}; exit 0; fi; " +
            $"{Pause(CratePollSeconds)}done; " +
            $"echo {Quote($"{node.Name} has not joined its cluster after {JoinWaitSeconds}s")} >&2; exit 1";
    }

    /// <summary>The apps' user's statements that carry its password, in the order <see cref="CrateAppUser"/> reads them on stdin.</summary>
    public static readonly IReadOnlyList<string> AppUserPasswordStatements =
    [
        $"CREATE USER {CrateAccess.User} WITH (password = ?)",
        $"ALTER USER {CrateAccess.User} SET (password = ?)",
    ];

    /// <summary>
    /// The user step's stdin: one request body per line (<see cref="AppUserPasswordStatements"/>), the password a
    /// statement parameter. The core writes the JSON around its placeholder; the runner fills in the password as a JSON
    /// string (see <see cref="Spec.Secrets.JsonPlaceholder"/>), escaped by a JSON encoder, whatever it holds.
    /// </summary>
    public static string CrateAppUserStdin() =>
        string.Concat(AppUserPasswordStatements.Select(statement =>
            $"{{\"stmt\":{JsonText.String(statement)},\"args\":[{Spec.Secrets.JsonPlaceholder(Spec.Secrets.CratePasswordKey)}]}}\n"));

    /// <summary>
    /// Creates the apps' CrateDB user, or sets its password when it exists, and grants its privileges, as the superuser
    /// (run by <see cref="AsSuperuser"/>). The statements that carry the password arrive on stdin, ready (see
    /// <see cref="CrateAppUserStdin"/>): the password is never in the script, in a process's arguments or in a shell
    /// variable's expansion into a command, it reaches CrateDB as a statement parameter (so CrateDB's job log shows `?`),
    /// and no answer that could repeat it is printed. Every statement is safe to run again.
    /// </summary>
    public static string CrateAppUser(Instance via)
    {
        var url = Quote(CrateConfig.AdminSqlUrl(via));
        var user = CrateAccess.User;
        var grant = $"GRANT {CrateAccess.Privileges} ON SCHEMA {CrateAccess.Schema} TO {user}";
        return string.Join(' ', new[]
        {
            $"IFS= read -r create && IFS= read -r alter || {{ echo {Quote("no user statements on stdin")} >&2; exit 1; }};",
            $$"""sql() { code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -X POST {{url}} --data-binary @-) || return 1;""",
            """[ "$code" = 200 ] || { echo "CrateDB answered $code to: $1" >&2; return 1; }; };""",
            $"n=$(curl -fsS -H 'Content-Type: application/json' -X POST {url} -d {Quote(JsonText.Body(CrateScripts.UserCount, user))} | {CrateScripts.Count});",
            $"case \"$n\" in 0) body=$create; what={Quote(AppUserPasswordStatements[0])};; 1) body=$alter; what={Quote(AppUserPasswordStatements[1])};;",
            $"*) echo {Quote($"cannot tell whether CrateDB user {user} exists (sys.users answered: ")}\"$n\"')' >&2; exit 1;; esac;",
            """printf '%s\n' "$body" | sql "$what" || exit 1;""",
            $"printf '%s\\n' {Quote(JsonText.Body(grant))} | sql {Quote(grant)} || exit 1;",
            $"echo {Quote($"CrateDB user {user}: password set; {CrateAccess.Privileges} on schema {CrateAccess.Schema}")}",
        });
    }

    /// <summary>
    /// Every node of the stack listed by the cluster, asked as the superuser (run by <see cref="AsSuperuser"/>). Nodes
    /// that leave in the same update are still there when the check runs (they are decommissioned at its end), so the
    /// check asks for names, not a count.
    /// </summary>
    public static string CrateClusterCheck(Instance via, IReadOnlyList<Instance> nodes, string clusterName)
    {
        var url = CrateConfig.AdminSqlUrl(via);
        return Retry(
            $"r=$(curl -fsS -H 'Content-Type: application/json' -X POST {Quote(url)} -d {Quote(JsonText.Body(CrateScripts.NodeNames))}); missing=; " +
            $"for n in {string.Join(' ', nodes.Select(n => Quote(JsonText.String(n.Name))))}; do case \"$r\" in *\"$n\"*) ;; *) missing=\"$missing $n\";; esac; done",
            "[ -z \"$missing\" ]",
            $"{Quote($"CrateDB at {url} does not list")}\"$missing\"{Quote($" in cluster {clusterName}")}");
    }

    /// <summary>
    /// The destroy guard's delete script, stored at each update with the stack's `microblog:destroy` then: a destroy runs
    /// it before any other delete, and it refuses, so that nothing is deleted, unless the stack allowed its destroy.
    /// </summary>
    public static string DestroyGuard(string stack, DestroySpec destroy) => destroy.Allowed
        ? $"echo {Quote($"stack {stack} allows its destroy (microblog:destroy.allowed): every container goes, the CrateDB cluster with them, not decommissioned; the CrateDB volumes are {(destroy.DeletesVolumes ? "deleted" : "kept")}")}"
        : $"echo {Quote($"refused: stack {stack} does not allow its destroy, which takes every container away and the CrateDB cluster's data with it. Nothing was deleted. To destroy it, write `{DestroySpec.Allow}` in its stack file (`volumes: delete` too to drop the CrateDB volumes; they are kept otherwise), run `pulumi up`, then `pulumi destroy`")} >&2; exit 1";

    public static string FrontDoorCheck(string url) =>
        Retry($"code=$(curl -s -o /dev/null -w '%{{http_code}}' {Quote(url)})", "[ \"$code\" = 200 ]", $"{Quote($"the front door {url} answered ")}\"$code\"{Quote(", not 200")}");

    /// <summary>A probe retried until <paramref name="test"/> holds; <paramref name="failure"/> is the message, as shell words.</summary>
    private static string Retry(string probe, string test, string failure) =>
        $"for i in $(seq 1 {CheckAttempts}); do {probe}; if {test}; then exit 0; fi; sleep 2; done; echo {failure} >&2; exit 1";
}
