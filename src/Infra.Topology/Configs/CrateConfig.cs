using Infra.Topology.Model;
using YamlDotNet.Serialization;

namespace Infra.Topology.Configs;

/// <summary>
/// crate.yml for one CrateDB node: a small fixed set of master-eligible nodes (the first
/// <see cref="Spec.CrateSpec.MasterNodes"/> in host order) that every node discovers and that bootstraps the cluster;
/// the other nodes hold data only. A node's file does not change when nodes are added after them.
/// Setting names and meanings are from CrateDB's reference documentation:
/// https://cratedb.com/docs/crate/reference/en/latest/config/node.html (crate/crate docs/config/node.rst),
/// https://cratedb.com/docs/crate/reference/en/latest/config/cluster.html (crate/crate docs/config/cluster.rst),
/// https://cratedb.com/docs/crate/reference/en/latest/config/index.html (path.conf, -C options, precedence),
/// https://cratedb.com/docs/crate/reference/en/latest/admin/auth/hba.html (crate/crate docs/admin/auth/hba.rst: host-based authentication).
/// </summary>
public static class CrateConfig
{
    private static readonly ISerializer Serializer = new SerializerBuilder().Build();

    /// <summary>Every key this renderer may emit; each is documented in the pages above.</summary>
    public static readonly IReadOnlyList<string> DocumentedKeys =
    [
        "cluster.name", // node.rst: Basics
        "node.name", // node.rst: Basics
        "node.master", // node.rst: Node types
        "node.data", // node.rst: Node types
        "network.host", // node.rst: Networking / Hosts
        "network.bind_host", // node.rst: Networking / Hosts
        "network.publish_host", // node.rst: Networking / Hosts
        "http.port", // node.rst: Networking / Ports
        "transport.tcp.port", // node.rst: Networking / Ports
        "psql.port", // node.rst: Networking / Ports
        "discovery.seed_hosts", // cluster.rst: Discovery
        "cluster.initial_master_nodes", // cluster.rst: Discovery
        "path.data", // node.rst: Paths
        "path.logs", // node.rst: Paths
        "auth.host_based.enabled", // node.rst: Authentication / Host-based authentication
        "auth.host_based.config.0.user", // node.rst: Authentication / Host-based authentication: auth.host_based.config.${order}.user
        "auth.host_based.config.0.address", // ... .${order}.address
        "auth.host_based.config.0.method", // ... .${order}.method
        "auth.host_based.config.0.protocol", // ... .${order}.protocol
        "auth.host_based.config.1.user",
        "auth.host_based.config.1.method",
        "auth.host_based.config.2.protocol", // ... .${order}.protocol
        "auth.host_based.config.2.method",
        "auth.trust.http_support_x_real_ip", // node.rst: Authentication / Trust authentication
    ];

    /// <summary>The crate image's own data and log folders (its config/crate.yml and Dockerfile: `mkdir -p /data/data /data/log`, `VOLUME /data`).</summary>
    public const string ContainerDataPath = "/data/data";

    public const string ContainerLogsPath = "/data/log";

    public static OrderedDictionary<string, object> Settings(StackTopology topology, Instance crate, RunMode? mode = null)
    {
        if (crate.Role != Spec.Role.Crate)
        {
            throw new ArgumentException($"{crate.Name} is not a CrateDB node", nameof(crate));
        }

        var masters = MasterEligible(topology);
        var settings = new OrderedDictionary<string, object>
        {
            ["cluster.name"] = topology.Spec.ClusterName,
            ["node.name"] = crate.Name,
            ["node.master"] = masters.Contains(crate),
            ["node.data"] = true,

            // Every layout runs on host networking, so the host's own address is the one to bind and publish
            // (127.0.0.1 on the process-managed layouts keeps a laptop's cluster off the LAN).
            ["network.host"] = crate.Address,
            ["network.publish_host"] = crate.Address,
            ["http.port"] = crate.Port,
            ["transport.tcp.port"] = Required(crate.TransportPort, crate, "transport"),
            ["psql.port"] = Required(crate.PsqlPort, crate, "psql"),
            // The master-eligible nodes find each other and every other node finds them: the list stays the same
            // when data nodes come or go. (The gateway.* node counts were dropped for the same reason.)
            ["discovery.seed_hosts"] = masters
                .Where(m => m != crate)
                .Select(m => Endpoints.Format(m.Address, Required(m.TransportPort, m, "transport")))
                .ToList(),
            ["cluster.initial_master_nodes"] = masters.Select(m => m.Name).ToList(),
        };

        var containers = (mode ?? topology.DefaultRunMode) == RunMode.Containers;
        var binds = new List<string> { crate.Address };
        if (!TopologyResolver.IsLoopback(crate.Address))
        {
            // Loopback too: a neighbour on the host gets an answer there, which is no (see Authentication).
            binds.Add("_local_");
        }

        if (containers)
        {
            // The host's end of the admin network, where the deployment's own statements arrive.
            binds.Add(CrateAccess.AdminGateway);
        }

        if (binds.Count > 1)
        {
            settings["network.bind_host"] = binds;
        }

        foreach (var (key, value) in containers ? Authentication : ProcessAuthentication)
        {
            settings[key] = value;
        }

        // Process-managed nodes share one CrateDB installation, and CrateDB resolves relative paths against it
        // (CRATE_HOME): supervisord passes absolute per-node paths on the command line instead (SupervisordConfig).
        // In a container the paths are on the node's volume, whatever the layout.
        if (containers)
        {
            settings["path.data"] = ContainerDataPath;
            settings["path.logs"] = ContainerLogsPath;
        }

        return settings;
    }

    /// <summary>
    /// The first <see cref="Spec.CrateSpec.MasterNodes"/> nodes in host order: adding hosts after them leaves the set
    /// as it is, so a bigger cluster keeps its voters and no node's file changes.
    /// </summary>
    public static IReadOnlyList<Instance> MasterEligible(StackTopology topology) =>
        topology.Of(Spec.Role.Crate).Take(topology.Spec.Crate.MasterNodes).ToList();

    /// <summary>
    /// Host-based authentication: the first entry that matches a connection's user, address and protocol decides, and
    /// what none matches is refused. The superuser `crate` (which CrateDB gives no password) is trusted over HTTP from
    /// the admin network's containers only (<see cref="CrateAccess.AdminClients"/>), where the deployment's own
    /// statements come from; from anywhere else, loopback and the host's own address included, no entry matches it, so a
    /// neighbour on the host (every service there shares the host's network) gets 401 like anyone else. The apps' user
    /// needs its password, from wherever the firewall lets a client reach CrateDB's ports (the app hosts). Node-to-node
    /// transport is trusted, and the firewall admits only CrateDB hosts to it. Addresses stay with the firewall on purpose:
    /// CrateDB reads these entries only at start, so a list of hosts here would make every new app host a rolling restart
    /// of the whole cluster, where `nft` changes the firewall's sets in place. The X-Real-IP header is never taken for the
    /// client's address (a client could claim to be on the admin network).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object>> Authentication { get; } =
    [
        new("auth.host_based.enabled", true),
        new("auth.host_based.config.0.user", CrateAccess.Superuser),
        new("auth.host_based.config.0.address", CrateAccess.AdminClients),
        new("auth.host_based.config.0.method", "trust"),
        new("auth.host_based.config.0.protocol", "http"),
        new("auth.host_based.config.1.user", CrateAccess.User),
        new("auth.host_based.config.1.method", "password"),
        new("auth.host_based.config.2.protocol", "transport"),
        new("auth.host_based.config.2.method", "trust"),
        new("auth.trust.http_support_x_real_ip", false),
    ];

    /// <summary>
    /// The process-managed layouts (dev and single-host under supervisord, run by hand on one machine) have no admin
    /// network: there the superuser is trusted on the node's loopback, as CrateDB's own default configuration has it, and
    /// whoever runs processes on that machine can act as it.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object>> ProcessAuthentication { get; } =
    [
        new("auth.host_based.enabled", true),
        new("auth.host_based.config.0.user", CrateAccess.Superuser),
        new("auth.host_based.config.0.address", "_local_"),
        new("auth.host_based.config.0.method", "trust"),
        new("auth.host_based.config.1.user", CrateAccess.User),
        new("auth.host_based.config.1.method", "password"),
        new("auth.host_based.config.2.protocol", "transport"),
        new("auth.host_based.config.2.method", "trust"),
        new("auth.trust.http_support_x_real_ip", false),
    ];

    /// <summary>Where the deployment asks a node, from a container on the admin network: the host's end of that network.</summary>
    public static string AdminSqlUrl(Instance crate) => $"http://{Endpoints.Format(CrateAccess.AdminGateway, crate.Port)}/_sql";

    public static string Render(StackTopology topology, Instance crate, RunMode? mode = null)
    {
        var runMode = mode ?? topology.DefaultRunMode;
        var yaml = Serializer.Serialize(Settings(topology, crate, runMode));
        var paths = runMode == RunMode.Supervisord
            ? "# path.data and path.logs: set per node by supervisord.conf (-Cpath.data, -Cpath.logs)\n"
            : "";
        return $"# {topology.Stack} / {crate.Name}: generated by microblog-infra: do not edit\n{paths}{yaml}";
    }

    /// <summary>
    /// log4j2.properties for a process-managed node: CrateDB refuses to start when its config folder (path.conf)
    /// has none. Console only, so supervisord keeps the log next to the node's config.
    /// </summary>
    public static string Logging(StackTopology topology, Instance crate) =>
        $$"""
        # {{topology.Stack}} / {{crate.Name}}: generated by microblog-infra: do not edit
        status = error
        rootLogger.level = info
        rootLogger.appenderRef.console.ref = console
        appender.console.type = Console
        appender.console.name = console
        appender.console.layout.type = PatternLayout
        appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name] %marker%m%n

        """;

    private static int Required(int? port, Instance crate, string kind) =>
        port ?? throw new InvalidOperationException($"{crate.Name} has no {kind} port");
}
