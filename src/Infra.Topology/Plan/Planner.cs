using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>
/// Turns a topology into the whole deployment: per host the files it gets and the container of each service
/// (image, command, environment, user, mounts, health check, restart, network), and the graph of steps that puts
/// them there (<see cref="StepGraph"/>).
/// </summary>
public static class Planner
{
    public const string ConfigRoot = "/etc/microblog";

    /// <summary>CrateDB refuses to start below this mmap count (bootstrap check).</summary>
    public const int CrateMaxMapCount = 262144;

    /// <summary>Where the crate image keeps its data (its Dockerfile: `VOLUME /data`); crate.yml's paths are under it.</summary>
    public const string CrateDataMount = "/data";

    private const string AppConfigPath = "/etc/microblog/app.conf";

    /// <summary>Read and written by its owner only.</summary>
    public const string SecretFileMode = "0600";

    public static DeploymentPlan Plan(StackTopology topology)
    {
        var hosts = topology.Hosts.Select(host => PlanHost(topology, host)).ToEquatableArray();
        return new DeploymentPlan(topology.Stack, hosts, StepGraph.Build(topology, hosts).ToEquatableArray(), Outputs(topology));
    }

    public static string ConfigDirOf(StackTopology topology) => $"{ConfigRoot}/{topology.Stack}";

    private static HostPlan PlanHost(StackTopology topology, Host host)
    {
        var configDir = ConfigDirOf(topology);
        // Under Pulumi every layout runs in containers, dev and single-host too.
        var placed = Render.ForHost(topology, host, RunMode.Containers)
            .Select(f => Secrets.KeysIn(f.Content).Count == 0
                ? new PlacedFile($"{configDir}/{f.Path}", ContainerPathOf(f), f)
                // A file that carries a secret (the app's CrateDB password) is its reader's alone: the user the app's
                // container runs as (microblog:appUser), else root.
                : new PlacedFile($"{configDir}/{f.Path}", ContainerPathOf(f), f, SecretFileMode) { Owner = topology.Spec.AppUser ?? "0:0" })
            .ToEquatableArray();
        var services = topology.On(host.Name)
            .Select(instance => PlanService(topology, instance, placed.Where(p => p.File.Instance == instance.Name).ToEquatableArray()))
            .ToEquatableArray();
        return new HostPlan(host, configDir, placed, services);
    }

    /// <summary>Where each image expects its config; a file mount, so the image's other config files stay.</summary>
    private static string? ContainerPathOf(RenderedFile file) => file.Path switch
    {
        FilePaths.Nginx => "/etc/nginx/nginx.conf",
        FilePaths.Haproxy or FilePaths.LoadBalancer => HaproxyConfigPath,
        _ when file.Path.EndsWith("/app.conf", StringComparison.Ordinal) => AppConfigPath,
        _ when file.Path.EndsWith("/crate.yml", StringComparison.Ordinal) => "/crate/config/crate.yml",
        FilePaths.Prometheus or FilePaths.AlertRules => $"{PrometheusConfigDir}/{Path.GetFileName(file.Path)}",
        FilePaths.Alertmanager => $"{AlertmanagerConfigDir}/{Path.GetFileName(file.Path)}",
        _ => null,
    };

    private const string HaproxyConfigPath = "/usr/local/etc/haproxy/haproxy.cfg";

    // Where the prom/* images keep their config and data (their Dockerfiles: VOLUME /prometheus, /alertmanager).
    private const string PrometheusConfigDir = "/etc/prometheus";
    private const string AlertmanagerConfigDir = "/etc/alertmanager";
    private const string NodeExporterHostRoot = "/host";

    public static string VolumeOf(Instance crate) => $"{crate.Name}-data";

    private static ServicePlan PlanService(StackTopology topology, Instance instance, EquatableArray<PlacedFile> files)
    {
        var spec = topology.Spec;
        var endpoint = $"http://{Endpoints.Format(instance.Address, instance.Port)}";
        var mounts = files.Where(f => f.ContainerPath is not null).Select(f => new Mount(MountKind.Bind, f.HostPath, f.ContainerPath!, ReadOnly: true)).ToList();
        string[] command = [];
        string[] environment = [];
        string image;
        HealthCheck health;
        ChangeAction onChange;
        switch (instance.Role)
        {
            case Role.Nginx:
                image = spec.Images.Nginx;
                // The same check the load balancer makes: nginx answering for the apps behind it.
                health = Health(["CMD", "curl", "-fsS", "-o", "/dev/null", $"{endpoint}{spec.HealthCheckPath}"]);
                onChange = ChangeAction.Reload;
                break;
            case Role.Haproxy or Role.LoadBalancer:
                image = spec.Images.Haproxy;
                // The haproxy image has no HTTP client: its bash asks the stats page, which answers only this host.
                health = Health(["CMD", "bash", "-c", HaproxyProbe(instance)]);
                onChange = ChangeAction.Reload;
                if (instance.Role == Role.LoadBalancer && instance.TlsPort is not null && spec.LoadBalancer?.TlsCertificate is { } certificate)
                {
                    // At the same path as on the host, the path haproxy.cfg names.
                    mounts.Add(new Mount(MountKind.Bind, certificate, certificate, ReadOnly: true));
                }

                break;
            case Role.App:
                image = spec.Images.App;
                command = [AppConfigPath];
                health = Health(["CMD", "curl", "-fsS", "-o", "/dev/null", $"{endpoint}{spec.HealthCheckPath}"]);
                onChange = ChangeAction.RollingRestart;
                break;
            case Role.Crate:
                image = spec.Images.Crate;
                environment = [$"CRATE_HEAP_SIZE={spec.Crate.HeapSize}"];
                mounts.Add(new Mount(MountKind.Volume, VolumeOf(instance), CrateDataMount, ReadOnly: false));
                // Any HTTP answer at the address crate.yml binds: a node without a master yet answers 503, and whether it
                // is in its cluster is the rollout's question (its ready step), not the container's.
                health = Health(["CMD", "curl", "-sS", "-o", "/dev/null", $"{endpoint}/"], startPeriod: "60s");
                onChange = ChangeAction.CrateRollingRestart;
                break;
            case Role.Prometheus or Role.Alertmanager or Role.NodeExporter or Role.NginxExporter:
                (image, command, health) = MonitoringContainer(topology, instance, endpoint, mounts);
                onChange = ChangeAction.Reload;
                break;
            default:
                throw new InvalidOperationException($"no plan for {instance.Role}");
        }

        var container = new ContainerSpec(
            instance.Name,
            image,
            command.ToEquatableArray(),
            environment.ToEquatableArray(),
            UserOf(topology, instance),
            mounts.ToEquatableArray(),
            health,
            RestartPolicy: "unless-stopped",
            // Every layout runs on host networking, as the reference design does: a service's port is its host's port.
            NetworkMode: "host",
            new Label[]
            {
                new("microblog.stack", topology.Stack),
                new("microblog.role", instance.Role.ToString()),
                new("microblog.ports", string.Join(",", instance.Ports)),
            }.ToEquatableArray())
        {
            PidMode = instance.Role == Role.NodeExporter ? "host" : null,
            // On the host's network, NET_RAW (in Docker's default set) would let a container read and forge any packet of
            // the host, the apps' CrateDB password on loopback included; none of these services needs it.
            CapDrop = ["NET_RAW"],
        };
        return new ServicePlan(instance.Name, instance.Role, instance.Ports.ToEquatableArray(), files, container, onChange);
    }

    /// <summary>Who the container runs as; null: its image's user.</summary>
    private static string? UserOf(StackTopology topology, Instance instance) => instance.Role switch
    {
        // The user its app.conf belongs to: the file holds the password and no one else may read it.
        Role.App => topology.Spec.AppUser,
        // The haproxy image runs as its user haproxy (uid 99, no file capability on the binary), which cannot bind a port
        // below 1024 on the host network, where Docker's unprivileged-port sysctl does not apply: root binds it.
        Role.Haproxy or Role.LoadBalancer when instance.Ports.Any(p => p < 1024) => "root",
        _ => null,
    };

    private static string HaproxyProbe(Instance instance) =>
        $"exec 3<>/dev/tcp/{instance.Address}/{instance.Port} && printf 'GET {HaproxyConfig.StatsPath};csv HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && case \"$status\" in *' 200 '*) exit 0;; esac; exit 1";

    /// <summary>The prom/* images are busybox-based (wget); the nginx exporter's image has no shell or HTTP client.</summary>
    private static (string Image, string[] Command, HealthCheck Health) MonitoringContainer(StackTopology topology, Instance instance, string endpoint, List<Mount> mounts)
    {
        var images = topology.Spec.Images.Monitoring;
        string[] Ready(string path) => ["CMD", "wget", "-q", "-O", "/dev/null", $"{endpoint}{path}"];
        switch (instance.Role)
        {
            case Role.Prometheus:
                mounts.Add(new Mount(MountKind.Volume, VolumeOf(instance), "/prometheus", ReadOnly: false));
                return (images.Prometheus, [.. MonitoringCommands.For(topology, instance, PrometheusConfigDir, "/prometheus")], Health(Ready("/-/ready"), startPeriod: "30s"));
            case Role.Alertmanager:
                mounts.Add(new Mount(MountKind.Volume, VolumeOf(instance), "/alertmanager", ReadOnly: false));
                return (images.Alertmanager, [.. MonitoringCommands.For(topology, instance, AlertmanagerConfigDir, "/alertmanager")], Health(Ready("/-/ready")));
            case Role.NodeExporter:
                // As node_exporter's README runs it: the host's root read-only, with the mounts made on the host later
                // (rslave), and the host's processes (--pid=host, set on its container), whose /proc/1/mounts lists the
                // host's file systems; so it reports the host rather than its own container.
                mounts.Add(new Mount(MountKind.Bind, "/", NodeExporterHostRoot, ReadOnly: true, Propagation: "rslave"));
                return (images.NodeExporter, [.. MonitoringCommands.For(topology, instance, "", "", NodeExporterHostRoot)], Health(Ready("/metrics")));
            default:
                // Whether it reads nginx is Prometheus's `up` and the exporter's nginx_up; the container can only show it runs.
                return (images.NginxExporter, [.. MonitoringCommands.For(topology, instance, "", "")], Health(["CMD", "/usr/bin/nginx-prometheus-exporter", "--version"]));
        }
    }

    private static HealthCheck Health(string[] test, string startPeriod = "10s") =>
        new(test.ToEquatableArray(), Interval: "2s", Timeout: "2s", Retries: 3, StartPeriod: startPeriod);

    private static StackOutputs Outputs(StackTopology topology) => new(
        topology.FrontDoor
            .SelectMany(door => door.TlsPort is { } tls
                ? new[] { $"http://{Endpoints.Format(door.Address, door.Port)}/", $"https://{Endpoints.Format(door.Address, tls)}/" }
                : [$"http://{Endpoints.Format(door.Address, door.Port)}/"])
            .ToEquatableArray(),
        topology.Of(Role.Haproxy).Select(h => $"http://{Endpoints.Format(h.Address, h.Port)}{HaproxyConfig.StatsPath}").ToEquatableArray(),
        topology.Of(Role.Crate).Select(c => $"http://{Endpoints.Format(c.Address, c.Port)}/").ToEquatableArray())
    {
        PrometheusUrls = topology.Of(Role.Prometheus).Select(p => $"http://{Endpoints.Format(p.Address, p.Port)}/").ToEquatableArray(),
        AlertmanagerUrls = topology.Of(Role.Alertmanager).Select(a => $"http://{Endpoints.Format(a.Address, a.Port)}/").ToEquatableArray(),
    };
}
