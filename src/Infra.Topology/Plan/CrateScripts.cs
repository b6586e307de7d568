using Infra.Topology.Configs;
using Infra.Topology.Model;

namespace Infra.Topology.Plan;

/// <summary>
/// The shell text that changes a CrateDB cluster's membership safely: a node restarted the way CrateDB's rolling upgrade
/// does it, and a node leaving for good through a decommission. Statements and procedure from CrateDB's documentation:
/// https://cratedb.com/docs/guide/admin/upgrade/rolling.html (allocation limited to new primaries, graceful stop with
/// ALTER CLUSTER DECOMMISSION, wait for the node to rejoin, restore allocation, wait until every table is green),
/// https://cratedb.com/docs/crate/reference/en/latest/sql/statements/alter-cluster.html (DECOMMISSION),
/// https://cratedb.com/docs/crate/reference/en/latest/sql/statements/set.html and .../reset.html (SET/RESET GLOBAL),
/// https://cratedb.com/docs/crate/reference/en/latest/admin/system-information.html (sys.nodes, sys.health),
/// https://cratedb.com/docs/crate/reference/en/latest/interfaces/http.html (the /_sql endpoint).
/// Every statement is asked of the node itself, never of another node (a node answers for itself whether it is in its
/// cluster), on its own host, as the superuser from the admin network (<see cref="Scripts.AsSuperuser"/>): only the
/// superuser may decommission a node. Names reach the shell quoted and SQL as string literals, whatever they hold.
/// </summary>
public static class CrateScripts
{
    /// <summary>How long a node may take to hand its shards over and stop: CrateDB's `cluster.graceful_stop.timeout` default (2h).</summary>
    public const int GracefulStopWaitSeconds = 7200;

    /// <summary>How long the cluster may take to list a restarted node again, or to stop listing a decommissioned one.</summary>
    public const int MembershipWaitSeconds = 180;

    /// <summary>How long the cluster may take to be green again (every shard allocated) after a node left or came back.</summary>
    public const int GreenWaitSeconds = 1800;

    public const string NodeNames = "select name from sys.nodes";

    public const string NodeCount = "select count(*) from sys.nodes";

    /// <summary>Whether a user exists: its name is the statement's parameter.</summary>
    public const string UserCount = "select count(*) from sys.users where name = ?";

    /// <summary>Tables not green: none when every primary and replica is allocated (the rolling-upgrade page's own check).</summary>
    public const string NotGreen = "select count(*) from sys.health where health <> 'GREEN'";

    /// <summary>While a node is away the cluster allocates only new primaries: no replica is rebuilt elsewhere in the meantime.</summary>
    public const string LimitAllocation = "SET GLOBAL TRANSIENT \"cluster.routing.allocation.enable\" = 'new_primaries'";

    public const string RestoreAllocation = "RESET GLOBAL \"cluster.routing.allocation.enable\"";

    /// <summary>A node leaving for good hands over every shard, replicas too, and ends only once the others hold them all.</summary>
    public const string FullAvailability = "SET GLOBAL TRANSIENT \"cluster.graceful_stop.min_availability\" = 'full'";

    /// <summary>A restart hands over primaries only (CrateDB's default), whatever a removal set before.</summary>
    public const string DefaultAvailability = "RESET GLOBAL \"cluster.graceful_stop.min_availability\"";

    /// <summary>The node moves its shards away (by default every primary) and then its crate process ends.</summary>
    public static string Decommission(Instance node) => $"ALTER CLUSTER DECOMMISSION {Sql.Literal(node.Name)}";

    /// <summary>
    /// Restarts a node whose crate.yml was written after it started, as the rolling upgrade does: allocation limited to
    /// new primaries, a graceful stop (DECOMMISSION; Docker's restart policy starts the crate process again on the same
    /// volume), healthy, back in the cluster, allocation restored, every table green before the rollout goes on.
    /// </summary>
    public static string RollingRestart(Instance node, bool alone, IEnumerable<string> files)
    {
        var name = Scripts.Quote(node.Name);
        return
            $"if [ \"$(stat -c %Y {string.Join(' ', files.Select(Scripts.Quote))} | sort -n | tail -n 1)\" -gt \"$(date -d \"$(docker inspect -f '{{{{.State.StartedAt}}}}' -- {name})\" +%s)\" ]; then " +
            (alone
                // A single node has no one to hand its shards to: a graceful stop would wait out cluster.graceful_stop.timeout.
                ? $"docker restart -- {name} >/dev/null && ( {Scripts.WaitHealthyAfterChown(node.Name)} ) && {Scripts.AsSuperuser(node, WaitGreen([node], $"{node.Name} restarted"))}; "
                : $"{GracefulRestart(node)} && ( {Scripts.WaitHealthyAfterChown(node.Name)} ) && {Scripts.AsSuperuser(node, Rejoin(node))}; ") +
            $"else echo {Scripts.Quote($"{node.Name} started after its config was written: no restart needed")}; fi";
    }

    /// <summary>
    /// Before a node's container is replaced (a new image or spec): the same graceful stop, so the node hands its
    /// primaries over instead of being killed with them; its ready step restores allocation once the new one rejoined.
    /// Nothing to do on a first deploy.
    /// </summary>
    public static string StopBeforeReplace(Instance node, bool alone) => alone
        ? $"echo {Scripts.Quote($"{node.Name} is the only node: no other node to hand its shards to, its replacement stops it")}"
        : $"if [ \"$(docker inspect -f '{{{{.State.Running}}}}' -- {Scripts.Quote(node.Name)} 2>/dev/null)\" = true ]; then {GracefulRestart(node)}; " +
          $"else echo {Scripts.Quote($"{node.Name}: no running container, nothing to stop")}; fi";

    /// <summary>
    /// After a new or replaced node is in its cluster: allocation restored and every table green. When no cluster answers
    /// yet (a first deploy before a quorum of master-eligible nodes started) there is nothing to restore.
    /// </summary>
    public static string AfterRejoin(Instance node) =>
        $"{Ask([node], NodeNames)} >/dev/null || {{ echo {Scripts.Quote($"{node.Name}: no cluster yet, nothing to restore")}; exit 0; }}; " +
        $"{Statement(node, RestoreAllocation)} && {WaitGreen([node], $"{node.Name} rejoined")}";

    /// <summary>
    /// The delete script of a node's decommission step, run when the node leaves the stack, after any new node has joined
    /// (Pulumi deletes last) and before its container goes (it waits for the container). It refuses, changing nothing,
    /// when the node is the last one or its leaving would cost the master-eligible nodes their majority; it waits until
    /// every table is green (a node decommissioned just before has been made up for); then, with
    /// `cluster.graceful_stop.min_availability` = 'full', the node moves every shard it holds, primaries and replicas, to
    /// the other nodes before its crate process ends (and refuses to end when they cannot hold them), so the cluster stays
    /// green; Docker is kept from starting it again. Everything is asked of the node itself, from its own host. The other
    /// nodes' hosts still admit it while this runs: their old rulesets are withdrawn only after it (Pulumi deletes a
    /// resource before those it waited for, and the node's steps wait, through its container, for the rulesets' gate).
    /// </summary>
    public static string DecommissionOnDelete(Instance node, IReadOnlyList<Instance> masters, string restartPolicy)
    {
        var name = Scripts.Quote(node.Name);
        var quorum = masters.Count / 2 + 1;
        var running =
            $"[ \"$(docker inspect -f '{{{{.State.Running}}}}' -- {name} 2>/dev/null)\" = true ] || " +
            $"{{ echo {Scripts.Quote($"{node.Name} is not running, so it cannot hand its shards over: it is not decommissioned. Start it and run the update again; if its data is gone for good, `pulumi state delete` this step")} >&2; exit 1; }}";
        var guard = new List<string>
        {
            $"n=$({Ask([node], NodeCount)} | {Count})",
            $"[ -n \"$n\" ] || {{ echo {Scripts.Quote($"{node.Name}: its cluster does not answer (no master?): it is not decommissioned")} >&2; exit 1; }}",
            $"[ \"$n\" -gt 1 ] || {{ echo {Scripts.Quote($"refused: {node.Name} is the last CrateDB node, and every table would leave with it. Add the new nodes in one update (keeping {node.Name}), then remove {node.Name} in the next")} >&2; exit 1; }}",
        };
        if (masters.Contains(node))
        {
            var names = string.Join(", ", masters.Select(m => m.Name));
            guard.Add($"r=$({Ask([node], NodeNames)})");
            guard.Add($"left=0; for m in {string.Join(' ', masters.Where(m => m != node).Select(m => Scripts.Quote(JsonText.String(m.Name))))}; do case \"$r\" in *\"$m\"*) left=$((left+1));; esac; done");
            guard.Add($"[ $left -ge {quorum} ] || {{ echo {Scripts.Quote($"refused: without {node.Name} only ")}\"$left\"{Scripts.Quote($" of the master-eligible nodes ({names}) would be in the cluster, fewer than the {quorum} it takes to elect a master. Remove master-eligible nodes at most {masters.Count - quorum} per update (if that is none, add master-eligible nodes first)")} >&2; exit 1; }}");
        }

        guard.Add(WaitGreen([node], $"{node.Name} was asked to leave"));
        return
            $"{running} && {AsSuperuserOfRunningNode(node, string.Join("; ", guard))} && " +
            $"docker update --restart=no -- {name} >/dev/null && " +
            $"{{ {AsSuperuserOfRunningNode(node, $"{Statement(node, FullAvailability)} && {Statement(node, Decommission(node))}")} || {{ docker update --restart={restartPolicy} -- {name} >/dev/null; exit 1; }}; }} && " +
            WaitStopped(node.Name, restartPolicy);
    }

    /// <summary>
    /// <see cref="Scripts.AsSuperuser"/> for a node that may still run a crate.yml from before the admin network (the first
    /// update after this release restarts, stops or removes nodes that started with it): such a node does not listen on
    /// the admin gateway, and trusts its superuser on its loopback instead, so it is asked there, from inside its own
    /// container, as earlier releases asked it. A node that answers on the admin gateway (with anything, 401 included)
    /// is asked from the admin network only; its loopback grants a superuser nothing.
    /// </summary>
    private static string AsSuperuserOfRunningNode(Instance node, string script)
    {
        var name = Scripts.Quote(node.Name);
        var gateway = $"http://{Endpoints.Format(CrateAccess.AdminGateway, node.Port)}/";
        var legacy = script.Replace(CrateConfig.AdminSqlUrl(node), $"http://{Endpoints.Format("127.0.0.1", node.Port)}/_sql", StringComparison.Ordinal);
        return
            $"if docker exec -- {name} curl -s -o /dev/null --max-time 5 {Scripts.Quote(gateway)}; then {Scripts.AsSuperuser(node, script)}; " +
            $"else echo {Scripts.Quote($"{node.Name} does not listen on the admin network: it runs a crate.yml of an earlier release, which trusts the superuser on its loopback; asked there, from inside its container")}; " +
            $"docker exec -- {name} sh -c {Scripts.Quote(legacy)}; fi";
    }

    /// <summary>Allocation limited, the node decommissioned, and back: Docker starts the ended crate process again by its restart policy.</summary>
    private static string GracefulRestart(Instance node)
    {
        var name = Scripts.Quote(node.Name);
        return
            $"started=$(docker inspect -f '{{{{.State.StartedAt}}}}' -- {name}) && " +
            $"{AsSuperuserOfRunningNode(node, $"{Statement(node, LimitAllocation)} && {Statement(node, DefaultAvailability)} && {Statement(node, Decommission(node))}")} && " +
            $"ok=no && {Scripts.Tries(GracefulStopWaitSeconds, Scripts.DockerPollSeconds)}" +
            $"[ \"$(docker inspect -f '{{{{.State.StartedAt}}}}' -- {name})\" != \"$started\" ] && {{ ok=yes; break; }}; {Scripts.Pause(Scripts.DockerPollSeconds)}done && " +
            $"{{ [ $ok = yes ] || {{ echo {Scripts.Quote($"{node.Name} has not finished its graceful stop within {GracefulStopWaitSeconds}s")} >&2; exit 1; }}; }}";
    }

    /// <summary>Until the crate process of a decommissioned node has ended (it ends once its shards moved away).</summary>
    private static string WaitStopped(string node, string restartPolicy)
    {
        var name = Scripts.Quote(node);
        return
            $"ok=no && {Scripts.Tries(GracefulStopWaitSeconds, Scripts.DockerPollSeconds)}" +
            $"[ \"$(docker inspect -f '{{{{.State.Running}}}}' -- {name})\" = false ] && {{ ok=yes; break; }}; {Scripts.Pause(Scripts.DockerPollSeconds)}done && " +
            $"{{ [ $ok = yes ] || {{ docker update --restart={restartPolicy} -- {name} >/dev/null; echo {Scripts.Quote($"{node} has not finished its graceful stop within {GracefulStopWaitSeconds}s; it keeps running")} >&2; exit 1; }}; }}";
    }

    /// <summary>Run as the superuser on the restarted node's host: listed by its cluster again, allocation restored, every table green.</summary>
    /// <remarks>Asked of the node itself: it answers the node list only once it has a master, and lists itself once it is in.</remarks>
    private static string Rejoin(Instance node) =>
        $"ok=no; {Scripts.Tries(MembershipWaitSeconds, Scripts.CratePollSeconds)}r=$({Ask([node], NodeNames)}); " +
        $"case \"$r\" in *{Scripts.Quote(JsonText.String(node.Name))}*) ok=yes; break;; esac; {Scripts.Pause(Scripts.CratePollSeconds)}done; " +
        $"[ $ok = yes ] || {{ echo {Scripts.Quote($"{node.Name} has not rejoined its cluster {MembershipWaitSeconds}s after its restart")} >&2; exit 1; }}; " +
        $"{Statement(node, RestoreAllocation)} && {WaitGreen([node], $"{node.Name} rejoined")}";

    private static string WaitGreen(IReadOnlyList<Instance> askVia, string after) =>
        $"ok=no; {Scripts.Tries(GreenWaitSeconds, Scripts.CratePollSeconds)}h=$({Ask(askVia, NotGreen)} | {Count}); " +
        $"[ \"$h\" = 0 ] && {{ ok=yes; break; }}; {Scripts.Pause(Scripts.CratePollSeconds)}done; " +
        $"[ $ok = yes ] || {{ echo {Scripts.Quote($"the cluster is not green {GreenWaitSeconds}s after {after}")} >&2; exit 1; }}";

    /// <summary>A statement that must succeed: CrateDB answers a done statement with a rowcount, a failed one with an error.</summary>
    private static string Statement(Instance node, string statement) =>
        $"r=$(curl -sS -H 'Content-Type: application/json' -X POST {Scripts.Quote(CrateConfig.AdminSqlUrl(node))} -d {Scripts.Quote(JsonText.Body(statement))} 2>&1); " +
        $"case \"$r\" in *'\"rowcount\"'*) ;; *) echo {Scripts.Quote($"{node.Name}: {statement} failed:")} \"$r\" >&2; exit 1;; esac";

    /// <summary>The first answer of the nodes asked in turn (nothing when none answers).</summary>
    private static string Ask(IReadOnlyList<Instance> nodes, string statement) =>
        $"for url in {string.Join(' ', nodes.Select(n => Scripts.Quote(CrateConfig.AdminSqlUrl(n))))}; do " +
        $"curl -fsS -H 'Content-Type: application/json' -X POST \"$url\" -d {Scripts.Quote(JsonText.Body(statement))} 2>/dev/null && break; done";

    /// <summary>The one number of a `select count(*)` answer (`"rows":[[N]]`), empty for anything else.</summary>
    public const string Count = "sed -n -E 's/.*\"rows\":\\[\\[([0-9]+)\\]\\].*/\\1/p'";
}
