using System.Globalization;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>Turns a topology and its rendered files into per-host containers, files and commands.</summary>
public static class Planner
{
    public const string ConfigRoot = "/etc/microblog";

    /// <summary>CrateDB refuses to start below this mmap count (bootstrap check).</summary>
    public const int CrateMaxMapCount = 262144;

    public static DeploymentPlan Plan(StackTopology topology)
    {
        var hosts = topology.Hosts.Select(host => PlanHost(topology, host)).ToEquatableArray();
        return new DeploymentPlan(topology.Stack, hosts, Checks(topology).ToEquatableArray());
    }

    public static string ConfigDirOf(StackTopology topology) => $"{ConfigRoot}/{topology.Stack}";

    private static HostPlan PlanHost(StackTopology topology, Host host)
    {
        var configDir = ConfigDirOf(topology);
        var files = Render.ForHost(topology, host).ToList();
        var placed = files.Select(f => new PlacedFile($"{configDir}/{f.Path}", ContainerPathOf(f), f)).ToEquatableArray();

        var services = topology.On(host.Name)
            .Select(instance => PlanService(topology, instance, placed.Where(p => p.File.Instance == instance.Name && p.ContainerPath is not null)))
            .ToEquatableArray();

        var preparation = new List<HostCommand>
        {
            new("config-dir", $"mkdir -p {configDir} && chmod 755 {configDir}", "every config file lives under one folder per stack"),
        };
        if (topology.On(host.Name, Role.Crate).Any())
        {
            preparation.Add(new HostCommand(
                "max-map-count",
                $"sysctl -w vm.max_map_count={CrateMaxMapCount} && echo 'vm.max_map_count={CrateMaxMapCount}' > /etc/sysctl.d/60-microblog-crate.conf",
                "CrateDB's bootstrap check refuses to start below this; set now and persisted across reboots"));
        }

        return new HostPlan(host, configDir, preparation.ToEquatableArray(), placed, services);
    }

    /// <summary>Where each image expects its config; a file mount, so the image's other config files stay.</summary>
    private static string? ContainerPathOf(RenderedFile file) => file.Path switch
    {
        FilePaths.Nginx => "/etc/nginx/nginx.conf",
        FilePaths.Haproxy or FilePaths.LoadBalancer => "/usr/local/etc/haproxy/haproxy.cfg",
        _ when file.Path.EndsWith("/app.conf", StringComparison.Ordinal) => AppConfigPath,
        _ when file.Path.EndsWith("/crate.yml", StringComparison.Ordinal) => "/crate/config/crate.yml",
        _ => null,
    };

    private const string AppConfigPath = "/etc/microblog/app.conf";

    private static ServicePlan PlanService(StackTopology topology, Instance instance, IEnumerable<PlacedFile> files)
    {
        var spec = topology.Spec;
        var placed = files.ToEquatableArray();
        var ports = instance.Ports.ToEquatableArray();
        var container = instance.Name;
        var local = $"http://127.0.0.1:{instance.Port}";
        return instance.Role switch
        {
            Role.Nginx => Service(instance, spec.Images.Nginx, [], ports, placed, [], null, null,
                // The same check the load balancer makes: nginx answering for the apps behind it.
                Health(["CMD", "curl", "-fsS", "-o", "/dev/null", $"{local}{spec.HealthCheckPath}"]),
                ChangeAction.Reload, Signal(container, "HUP", "nginx re-reads its config and replaces workers gracefully")),
            Role.Haproxy or Role.LoadBalancer => Service(instance, spec.Images.Haproxy, [], ports, placed, [], null, null,
                // The haproxy image has no HTTP client; a config check is what it can run itself.
                Health(["CMD", "haproxy", "-c", "-q", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]),
                ChangeAction.Reload, Signal(container, "USR2", "the haproxy master starts new workers and hands over the listeners: no connection is dropped")),
            Role.App => Service(instance, spec.Images.App, [AppConfigPath], ports, placed, [], null, null,
                Health(["CMD", "curl", "-fsS", "-o", "/dev/null", $"{local}{spec.HealthCheckPath}"]),
                ChangeAction.RollingRestart, new HostCommand($"{container}-restart", $"docker restart {container}", "the app reads crate.hosts only at start")),
            Role.Crate => Service(instance, spec.Images.Crate, [], ports, placed, [$"CRATE_HEAP_SIZE={spec.Crate.HeapSize}"],
                $"{container}-data", "/data",
                Health(["CMD", "curl", "-fsS", "-o", "/dev/null", $"{local}/"], startPeriod: "60s"),
                ChangeAction.NextRestart, null),
            _ => throw new InvalidOperationException($"no plan for {instance.Role}"),
        };
    }

    private static ServicePlan Service(
        Instance instance, string image, string[] args, EquatableArray<int> ports, EquatableArray<PlacedFile> files, string[] env,
        string? volume, string? dataPath, HealthCheck health, ChangeAction onChange, HostCommand? apply) =>
        new(instance.Name, instance.Role, image, args.ToEquatableArray(), ports, files, env.ToEquatableArray(), volume, dataPath,
            // The haproxy image runs as user haproxy, which cannot bind ports below 1024 on the host network.
            instance.Role == Role.LoadBalancer && instance.Ports.Any(p => p < 1024) ? "root" : null,
            health, onChange, apply);

    private static HostCommand Signal(string container, string signal, string why) =>
        new($"{container}-reload", $"docker kill --signal={signal} {container}", why);

    private static HealthCheck Health(string[] test, string startPeriod = "10s") =>
        new(test.ToEquatableArray(), Interval: "10s", Timeout: "3s", Retries: 3, StartPeriod: startPeriod);

    /// <summary>After an update: every CrateDB node in the cluster, and the front door answering its health path.</summary>
    private static IEnumerable<HostCommand> Checks(StackTopology topology)
    {
        var nodes = topology.Of(Role.Crate).ToList();
        if (nodes.Count > 0)
        {
            var first = nodes[0];
            var expected = nodes.Count.ToString(CultureInfo.InvariantCulture);
            var url = $"http://{first.Address}:{first.Port}/_sql";
            yield return new HostCommand(
                "crate-cluster",
                Retry(
                    $"n=$(curl -fsS -H 'Content-Type: application/json' -X POST {url} -d '{{\"stmt\":\"select count(*) from sys.nodes\"}}' | sed -E 's/.*\"rows\":\\[\\[([0-9]+)\\]\\].*/\\1/')",
                    $"[ \"$n\" = \"{expected}\" ]",
                    $"CrateDB at {url} reports $n of {expected} nodes in cluster {topology.Spec.ClusterName}"),
                $"every CrateDB node ({expected}) has joined the cluster");
        }

        foreach (var door in topology.FrontDoor)
        {
            var url = $"http://{door.Address}:{door.Port}{topology.Spec.HealthCheckPath}";
            yield return new HostCommand(
                $"front-door-{door.Name}",
                Retry($"code=$(curl -s -o /dev/null -w '%{{http_code}}' {url})", "[ \"$code\" = 200 ]", $"the front door {url} answered $code, not 200"),
                "the front door answers its health path");
        }
    }

    /// <summary>A bounded retry: services take a while to come up after an update.</summary>
    private static string Retry(string probe, string test, string failure) =>
        $"for i in $(seq 1 30); do {probe}; if {test}; then exit 0; fi; sleep 2; done; echo \"{failure}\" >&2; exit 1";
}
