using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Infra.Components;
using Infra.Topology.Model;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Planning;

/// <summary>
/// A topology's args as the stack config they stand for (`microblog:hosts` -> JSON text), for the core's one loader:
/// the same binder, defaults and checks as a stack file. Only what the args set is written, so a default stays a
/// default. A value the args give as another resource's output goes in as its placeholder, and is bound here to
/// that output.
/// </summary>
internal sealed class ArgsConfig
{
    private readonly string _label;
    private readonly List<string> _problems = [];
    private readonly List<DeferredValue> _deferred = [];
    private readonly Dictionary<string, Output<string>> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Input<string>> _privateKeys = new(StringComparer.Ordinal);

    private ArgsConfig(string label)
    {
        _label = label;
    }

    public Dictionary<string, string> Config { get; } = new(StringComparer.Ordinal);

    /// <summary>What the args cannot say as stack config (a family that disagrees with its address, a missing declaration).</summary>
    public IReadOnlyList<string> Problems => _problems;

    public IReadOnlyList<DeferredValue> Deferred => _deferred;

    /// <summary>Each deferred value's output, by its key.</summary>
    public IReadOnlyDictionary<string, Output<string>> Values => _values;

    /// <summary>The SSH private key of each host that has one, by host name.</summary>
    public IReadOnlyDictionary<string, Input<string>> PrivateKeys => _privateKeys;

    public static ArgsConfig From(TopologyArgs args, string label)
    {
        var config = new ArgsConfig(label);
        config.Read(args);
        return config;
    }

    private void Read(TopologyArgs args)
    {
        Set("layout", args.Layout?.Name());
        Set("clusterName", args.ClusterName);
        Config[Key("hosts")] = new JsonArray(args.Hosts.Select((h, i) => (JsonNode?)Host(h, $"hosts[{i}]")).ToArray()).ToJsonString();
        if (args.LoadBalancer is { } lb)
        {
            var node = Machine(lb, "loadBalancer");
            Put(node, "tlsCertificate", Value(lb.TlsCertificate, "loadBalancer.tlsCertificate", DeferredKind.Path, "loadBalancer.tlsCertificate"));
            Config[Key("loadBalancer")] = node.ToJsonString();
        }

        var images = new JsonObject();
        foreach (var (key, image) in new[]
        {
            ("nginx", args.Images.Nginx), ("haproxy", args.Images.Haproxy), ("app", args.Images.App), ("crate", args.Images.Crate),
            ("prometheus", args.Images.Prometheus), ("alertmanager", args.Images.Alertmanager),
            ("nodeExporter", args.Images.NodeExporter), ("nginxExporter", args.Images.NginxExporter),
        })
        {
            Put(images, key, Value(image, $"images.{key}", DeferredKind.Image, $"images.{key}"));
        }

        Config[Key("images")] = images.ToJsonString();
        if (args.Ports is { } ports)
        {
            Config[Key("ports")] = Object(
                ("nginx", ports.Nginx), ("haproxy", ports.Haproxy), ("app", ports.App), ("crateHttp", ports.CrateHttp),
                ("crateTransport", ports.CrateTransport), ("cratePsql", ports.CratePsql),
                ("loadBalancerHttp", ports.LoadBalancerHttp), ("loadBalancerHttps", ports.LoadBalancerHttps)).ToJsonString();
        }

        if (args.Crate is { } crate)
        {
            var node = Object(("masterNodes", crate.MasterNodes));
            Put(node, "heapSize", crate.HeapSize);
            Config[Key("crate")] = node.ToJsonString();
        }

        Set("healthCheckPath", args.HealthCheckPath);
        if (args.AdminSources is { } sources)
        {
            Config[Key("adminSources")] = new JsonArray(sources.Select(s => (JsonNode?)s).ToArray()).ToJsonString();
        }

        Set("appUser", args.AppUser);
        if (args.Rollout is { MaxUnavailable: { } maxUnavailable })
        {
            Config[Key("rollout")] = new JsonObject { ["maxUnavailable"] = maxUnavailable }.ToJsonString();
        }

        if (args.Destroy is { } destroy)
        {
            var node = new JsonObject();
            if (destroy.Allowed is { } allowed)
            {
                node["allowed"] = allowed ? "true" : "false";
            }

            Put(node, "volumes", destroy.Volumes);
            Config[Key("destroy")] = node.ToJsonString();
        }

        if (args.Monitoring is { } monitoring)
        {
            Config[Key("monitoring")] = Monitoring(monitoring).ToJsonString();
        }

        if (args.CratePassword is not null)
        {
            // Only that it is set, as a stack file shows a secret: its value is filled in by the runner.
            Config[Secrets.CratePasswordKey] = PulumiConfigValues.SecretMarker;
        }
    }

    private JsonObject Host(HostArgs host, string path)
    {
        var node = Machine(host, path);
        if (host.Roles is { } roles)
        {
            node["roles"] = new JsonArray(roles.Select(r => (JsonNode?)r.ToString().ToLowerInvariant()).ToArray());
        }

        if (host.Instances is { } instances)
        {
            node["instances"] = Object(("app", instances.App), ("crate", instances.Crate));
        }

        return node;
    }

    private JsonObject Machine(MachineArgs machine, string path)
    {
        var node = new JsonObject { ["name"] = machine.Name };
        var name = machine.Name;
        Put(node, "address", Address(machine, path));
        if (machine.Ssh is { } ssh)
        {
            var sshNode = Object(("port", ssh.Port));
            Put(sshNode, "user", Value(ssh.User, $"{name}.ssh.user", DeferredKind.User, $"{path}.ssh.user"));
            node["ssh"] = sshNode;
            if (ssh.PrivateKey is { } key)
            {
                _privateKeys[name] = key;
            }
        }

        Put(node, "docker", machine.Docker);
        return node;
    }

    /// <summary>A written address must agree with its declared family; one from another resource must declare it.</summary>
    private string? Address(MachineArgs machine, string path)
    {
        if (InputValues.TryLiteral(machine.Address, out var written))
        {
            if (machine.Family is { } declared && written is not null && IPAddress.TryParse(written, out var ip)
                && (ip.AddressFamily == AddressFamily.InterNetworkV6) != (declared == IpFamily.IPv6))
            {
                _problems.Add($"{path}.family: {declared}, but the address \"{written}\" is not: remove Family or make it agree");
            }

            return written;
        }

        if (machine.Family is not { } family)
        {
            _problems.Add($"{path}.address comes from another resource, so the plan cannot read its family: declare Family = IpFamily.IPv4 or IpFamily.IPv6");
            return null;
        }

        return Value(machine.Address, $"{machine.Name}.address", family == IpFamily.IPv6 ? DeferredKind.IPv6 : DeferredKind.IPv4, $"{path}.address");
    }

    private JsonObject Monitoring(MonitoringArgs monitoring)
    {
        var node = monitoring.Host is { } own ? Machine(own, "monitoring") : new JsonObject();
        Put(node, "host", monitoring.OnHost);
        node["webhook"] = monitoring.Webhook;
        if (monitoring.ErrorRatio is { } ratio)
        {
            node["errorRatio"] = ratio.ToString(CultureInfo.InvariantCulture);
        }

        Put(node, "appMetricsPath", monitoring.AppMetricsPath);
        if (monitoring.CrateMetricsPort is { } port)
        {
            node["crateMetricsPort"] = port;
        }

        if (monitoring.Ports is { } ports)
        {
            node["ports"] = Object(
                ("prometheus", ports.Prometheus), ("alertmanager", ports.Alertmanager), ("nodeExporter", ports.NodeExporter),
                ("nginxExporter", ports.NginxExporter), ("haproxyMetrics", ports.HaproxyMetrics));
        }

        return node;
    }

    /// <summary>The value as written, or the placeholder of a value known only at deploy time (bound to its output).</summary>
    private string? Value(Input<string>? input, string key, DeferredKind kind, string path)
    {
        if (input is null)
        {
            return null;
        }

        if (InputValues.TryLiteral(input, out var written))
        {
            return written;
        }

        var deferred = new DeferredValue(key, kind, $"{path}, an output given to {_label}");
        _deferred.Add(deferred);
        _values[key] = input.ToOutput();
        return deferred.Placeholder;
    }

    private void Set(string key, string? value)
    {
        if (value is not null)
        {
            Config[Key(key)] = value;
        }
    }

    private static string Key(string key) => $"{PulumiConfigValues.Namespace}:{key}";

    private static void Put(JsonObject node, string key, string? value)
    {
        if (value is not null)
        {
            node[key] = value;
        }
    }

    private static JsonObject Object(params (string Key, int? Value)[] entries)
    {
        var node = new JsonObject();
        foreach (var (key, value) in entries)
        {
            if (value is { } number)
            {
                node[key] = number;
            }
        }

        return node;
    }
}
