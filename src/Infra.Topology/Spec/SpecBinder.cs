using System.Globalization;

namespace Infra.Topology.Spec;

/// <summary>
/// Reads config nodes into a <see cref="StackSpec"/>, collecting every shape problem (unknown key, wrong
/// type, unknown value) instead of stopping at the first; bad values fall back to defaults so the
/// checks after it still run.
/// </summary>
internal sealed partial class SpecBinder(string file)
{
    public const string Namespace = "microblog";

    /// <summary>
    /// microblog-&lt;stack&gt; in the cluster-name grammar, for any Pulumi stack name (Prod, eu.prod): lowercase, every
    /// other character a '-'.
    /// </summary>
    public static string DefaultClusterName(string stack)
    {
        var name = "microblog-" + new string(stack.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' ? c : '-').ToArray());
        return name.Length <= 63 ? name : name[..63];
    }

    internal static readonly string[] TopKeys =
        ["layout", "clusterName", "hosts", "loadBalancer", "images", "commands", "ports", "crate", "healthCheckPath", "adminSources", "cratePassword", "appUser", "monitoring", "rollout", "destroy"];

    private static readonly string[] HostKeys = ["name", "address", "ssh", "docker", "roles", "instances"];
    private static readonly string[] LoadBalancerKeys = ["name", "address", "ssh", "docker", "tlsCertificate"];
    private static readonly string[] SshKeys = ["user", "port"];
    private static readonly string[] InstanceKeys = ["app", "crate"];
    private static readonly string[] ImageKeys = ["nginx", "haproxy", "app", "crate", "prometheus", "alertmanager", "nodeExporter", "nginxExporter"];
    private static readonly string[] CommandKeys = ["app", "crate", "haproxy"];
    private static readonly string[] PortKeys = PortSpec.Keys.Select(k => k.Name).ToArray();
    private static readonly string[] CrateKeys = ["heapSize", "masterNodes", "discovery"];
    private static readonly string[] RolloutKeys = ["maxUnavailable"];
    private static readonly string[] DestroyKeys = ["allowed", "volumes"];

    internal static readonly IReadOnlyDictionary<string, Layout> Layouts = new Dictionary<string, Layout>
    {
        ["dev"] = Layout.Dev,
        ["single-host"] = Layout.SingleHost,
        ["colocated"] = Layout.Colocated,
        ["split-role"] = Layout.SplitRole,
    };

    internal static readonly IReadOnlyDictionary<string, Role[]> RoleNames = new Dictionary<string, Role[]>
    {
        ["nginx"] = [Role.Nginx],
        ["haproxy"] = [Role.Haproxy],
        ["proxy"] = [Role.Nginx, Role.Haproxy],
        ["app"] = [Role.App],
        ["crate"] = [Role.Crate],
    };

    private readonly List<Diagnostic> _diagnostics = [];

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    /// <summary>Key paths of values the file set explicitly, so later checks know defaults from choices.</summary>
    public HashSet<string> Explicit { get; } = new(StringComparer.Ordinal);

    /// <summary>Where each key path was written, so checks made after binding can point at a line too.</summary>
    public Dictionary<string, SourceMark> Marks { get; } = new(StringComparer.Ordinal);

    public (StackSpec Spec, bool LayoutKnown) Bind(string stack, IReadOnlyList<KeyValuePair<string, ConfigNode>> entries)
    {
        var top = new Dictionary<string, (ConfigNode Node, string Path)>(StringComparer.Ordinal);
        foreach (var (fullKey, node) in entries)
        {
            var colon = fullKey.IndexOf(':', StringComparison.Ordinal);
            var ns = colon < 0 ? "" : fullKey[..colon];
            var key = colon < 0 ? fullKey : fullKey[(colon + 1)..];
            if (ns == Namespace)
            {
                if (!TopKeys.Contains(key))
                {
                    Unknown(fullKey, node, TopKeys.Select(k => $"{Namespace}:{k}"));
                    continue;
                }

                top[key] = (node, fullKey);
            }
            else if (ns.Length == 0 || Suggest.Distance(ns, Namespace) <= 2)
            {
                // Keys of other namespaces belong to providers; a near-miss of ours is a typo.
                Unknown(fullKey, node, TopKeys.Select(k => $"{Namespace}:{k}"));
            }
        }

        var layoutKnown = false;
        var layout = Layout.Colocated;
        if (top.TryGetValue("layout", out var layoutEntry))
        {
            var value = Scalar(layoutEntry.Node, layoutEntry.Path);
            if (value is not null && Layouts.TryGetValue(value, out var parsed))
            {
                layout = parsed;
                layoutKnown = true;
            }
            else if (value is not null)
            {
                var hint = Suggest.Closest(value, Layouts.Keys);
                Error(layoutEntry.Path, layoutEntry.Node,
                    $"unknown layout \"{value}\": write one of {string.Join(", ", Layouts.Keys)}" + (hint is null ? "" : $" (did you mean \"{hint}\"?)"));
            }
        }
        else
        {
            Error($"{Namespace}:layout", null, $"missing: write `{Namespace}:layout: <{string.Join("|", Layouts.Keys)}>`");
        }

        var clusterName = TopScalar(top, "clusterName", DefaultClusterName(stack));
        var hosts = TopList(top, "hosts", BindHost,
            notAList: "must be a list of hosts (`- name: host1\\n  address: 192.0.2.11`)",
            missing: "missing: list the hosts (`- name: host1`, `address: 192.0.2.11`)");

        LoadBalancerSpec? loadBalancer = null;
        if (top.TryGetValue("loadBalancer", out var lbEntry))
        {
            loadBalancer = BindLoadBalancer(lbEntry.Node, lbEntry.Path);
        }

        var images = StackSpec.DefaultImages;
        if (top.TryGetValue("images", out var imagesEntry) && Map(imagesEntry.Node, imagesEntry.Path, ImageKeys) is { } imagesMap)
        {
            images = new ImageSpec(
                Nginx: Value(imagesMap, "nginx", imagesEntry.Path, "images.nginx", DeferredKind.Image) ?? images.Nginx,
                Haproxy: Value(imagesMap, "haproxy", imagesEntry.Path, "images.haproxy", DeferredKind.Image) ?? images.Haproxy,
                App: Value(imagesMap, "app", imagesEntry.Path, "images.app", DeferredKind.Image) ?? images.App,
                Crate: Value(imagesMap, "crate", imagesEntry.Path, "images.crate", DeferredKind.Image) ?? images.Crate)
            {
                Monitoring = BindMonitoringImages(imagesMap, imagesEntry.Path),
            };
        }

        var commands = StackSpec.DefaultCommands;
        if (top.TryGetValue("commands", out var commandsEntry) && Map(commandsEntry.Node, commandsEntry.Path, CommandKeys) is { } commandsMap)
        {
            commands = new CommandSpec(
                App: String(commandsMap, "app", commandsEntry.Path) ?? commands.App,
                Crate: String(commandsMap, "crate", commandsEntry.Path) ?? commands.Crate,
                Haproxy: String(commandsMap, "haproxy", commandsEntry.Path) ?? commands.Haproxy);
        }

        var ports = StackSpec.DefaultPorts;
        if (top.TryGetValue("ports", out var portsEntry) && Map(portsEntry.Node, portsEntry.Path, PortKeys) is { } portsMap)
        {
            var p = portsEntry.Path;
            foreach (var key in PortSpec.Keys)
            {
                if (Int(portsMap, key.Name, p) is { } value)
                {
                    ports = key.Set(ports, value);
                }
            }
        }

        var crate = new CrateSpec(StackSpec.DefaultHeapSize);
        if (top.TryGetValue("crate", out var crateEntry) && Map(crateEntry.Node, crateEntry.Path, CrateKeys) is { } crateMap)
        {
            crate = new CrateSpec(
                String(crateMap, "heapSize", crateEntry.Path) ?? crate.HeapSize,
                Int(crateMap, "masterNodes", crateEntry.Path) ?? crate.MasterNodes);
            if (Find(crateMap, "discovery") is { } discovery)
            {
                var path = $"{crateEntry.Path}.discovery";
                var value = Scalar(discovery, path);
                if (string.Equals(value, "multicast", StringComparison.OrdinalIgnoreCase))
                {
                    Error(path, discovery,
                        "multicast discovery was removed from CrateDB (it has only unicast discovery since 4.0): remove this key or write `unicast`; " +
                        "the seed hosts (`discovery.seed_hosts`) and `cluster.initial_master_nodes` are generated from the hosts list, " +
                        "and the cluster name keeps other clusters out");
                }
                else if (value is not null && !string.Equals(value, "unicast", StringComparison.OrdinalIgnoreCase))
                {
                    Error(path, discovery, $"unknown discovery \"{value}\": the only discovery is `unicast` (generated from the hosts list)");
                }
            }
        }

        var rollout = new RolloutSpec();
        if (top.TryGetValue("rollout", out var rolloutEntry) && Map(rolloutEntry.Node, rolloutEntry.Path, RolloutKeys) is { } rolloutMap)
        {
            rollout = new RolloutSpec(String(rolloutMap, "maxUnavailable", rolloutEntry.Path) ?? rollout.MaxUnavailable);
        }

        var destroy = new DestroySpec();
        if (top.TryGetValue("destroy", out var destroyEntry) && Map(destroyEntry.Node, destroyEntry.Path, DestroyKeys) is { } destroyMap)
        {
            destroy = BindDestroy(destroyMap, destroyEntry.Path);
        }

        var healthCheckPath = TopScalar(top, "healthCheckPath", StackSpec.DefaultHealthCheckPath);
        var adminSources = TopList(top, "adminSources", Scalar,
            notAList: "must be a list of addresses or networks the operators connect from (`- 203.0.113.0/24`)",
            missing: null);

        var cratePasswordSet = false;
        if (top.TryGetValue("cratePassword", out var passwordEntry))
        {
            Mark(passwordEntry.Path, passwordEntry.Node);
            // A stack file holds a secret as `secure: <ciphertext>`; Pulumi hands the program only that it is set.
            if (passwordEntry.Node is MapNode { Entries: [{ Key: "secure", Value: ScalarNode }] })
            {
                cratePasswordSet = true;
            }
            else
            {
                Error(passwordEntry.Path, passwordEntry.Node,
                    $"is written in plain text: delete the line and run `{Secrets.SetCommand(Secrets.CratePasswordKey)}`, which stores it encrypted (`secure:`) in the stack file");
            }
        }

        var spec = new StackSpec(stack, file, layout, clusterName, hosts.ToEquatableArray(), loadBalancer, images, commands, ports, crate, healthCheckPath)
        {
            AdminSources = adminSources.ToEquatableArray(),
            CratePasswordSet = cratePasswordSet,
            AppUser = top.ContainsKey("appUser") ? TopScalar(top, "appUser", "") : null,
            Rollout = rollout,
            Destroy = destroy,
            Monitoring = top.TryGetValue("monitoring", out var monitoringEntry) ? BindMonitoring(monitoringEntry.Node, monitoringEntry.Path) : null,
        };
        return (spec, layoutKnown);
    }

    /// <summary>`microblog:destroy`: `allowed` true or false, `volumes` keep or delete; a bad value falls back to the safe default.</summary>
    private DestroySpec BindDestroy(MapNode map, string path)
    {
        var allowed = false;
        if (String(map, "allowed", path) is { } text)
        {
            if (text is "true" or "false")
            {
                allowed = text == "true";
            }
            else
            {
                Error($"{path}.allowed", Find(map, "allowed"), $"\"{text}\" is not `true` or `false`");
            }
        }

        var volumes = String(map, "volumes", path) ?? DestroySpec.KeepVolumes;
        if (volumes is not (DestroySpec.KeepVolumes or DestroySpec.DeleteVolumes))
        {
            Error($"{path}.volumes", Find(map, "volumes"), $"\"{volumes}\" is not `{DestroySpec.KeepVolumes}` (the CrateDB volumes and their data stay on the hosts) or `{DestroySpec.DeleteVolumes}`");
            volumes = DestroySpec.KeepVolumes;
        }

        return new DestroySpec(allowed, volumes == DestroySpec.DeleteVolumes);
    }

    /// <summary>A top-level scalar, or <paramref name="fallback"/> where it is not written.</summary>
    private string TopScalar(Dictionary<string, (ConfigNode Node, string Path)> top, string key, string fallback)
    {
        if (!top.TryGetValue(key, out var entry))
        {
            return fallback;
        }

        Explicit.Add(entry.Path);
        return Scalar(entry.Node, entry.Path) ?? fallback;
    }

    /// <summary>A top-level list, each item bound by <paramref name="bind"/> (null: the item's error is reported).</summary>
    private List<T> TopList<T>(Dictionary<string, (ConfigNode Node, string Path)> top, string key, Func<ConfigNode, string, T?> bind, string notAList, string? missing)
        where T : class
    {
        var items = new List<T>();
        if (!top.TryGetValue(key, out var entry))
        {
            if (missing is not null)
            {
                Error($"{Namespace}:{key}", null, missing);
            }

            return items;
        }

        Mark(entry.Path, entry.Node);
        if (entry.Node is not ListNode list)
        {
            Error(entry.Path, entry.Node, notAList);
            return items;
        }

        for (var i = 0; i < list.Items.Count; i++)
        {
            if (bind(list.Items[i], $"{entry.Path}[{i}]") is { } item)
            {
                items.Add(item);
            }
        }

        return items;
    }

    private HostSpec BindHost(ConfigNode node, string path)
    {
        var map = Map(node, path, HostKeys);
        if (map is null)
        {
            return new HostSpec("", "", new SshSpec("deploy", 22), null, EquatableArray<Role>.Empty, 1, 1);
        }

        var roles = new List<Role>();
        if (Find(map, "roles") is { } rolesNode)
        {
            Explicit.Add($"{path}.roles");
            if (rolesNode is ListNode roleList)
            {
                for (var i = 0; i < roleList.Items.Count; i++)
                {
                    var rolePath = $"{path}.roles[{i}]";
                    var name = Scalar(roleList.Items[i], rolePath);
                    if (name is null)
                    {
                        continue;
                    }

                    if (RoleNames.TryGetValue(name, out var expanded))
                    {
                        roles.AddRange(expanded.Where(r => !roles.Contains(r)));
                    }
                    else
                    {
                        var hint = Suggest.Closest(name, RoleNames.Keys);
                        Error(rolePath, roleList.Items[i],
                            $"unknown role \"{name}\": write one of {string.Join(", ", RoleNames.Keys)} (`proxy` is nginx + haproxy)" +
                            (hint is null ? "" : $" (did you mean \"{hint}\"?)"));
                    }
                }
            }
            else
            {
                Error($"{path}.roles", rolesNode, "must be a list, e.g. `roles: [proxy]` or `roles: [app]`");
            }
        }

        int app = 1, crate = 1;
        if (Find(map, "instances") is { } instancesNode && Map(instancesNode, $"{path}.instances", InstanceKeys) is { } instances)
        {
            Explicit.Add($"{path}.instances");
            app = Int(instances, "app", $"{path}.instances") ?? app;
            crate = Int(instances, "crate", $"{path}.instances") ?? crate;
        }

        var hostName = String(map, "name", path) ?? "";
        return new HostSpec(
            Name: hostName,
            Address: Value(map, "address", path, $"{hostName}.address", null) ?? "",
            Ssh: BindSsh(map, path, hostName),
            DockerEndpoint: String(map, "docker", path),
            Roles: roles.ToEquatableArray(),
            AppInstances: app,
            CrateNodes: crate);
    }

    private LoadBalancerSpec? BindLoadBalancer(ConfigNode node, string path)
    {
        var map = Map(node, path, LoadBalancerKeys);
        if (map is null)
        {
            return null;
        }

        var name = String(map, "name", path) ?? "lb";
        return new LoadBalancerSpec(
            Name: name,
            Address: Value(map, "address", path, $"{name}.address", null) ?? "",
            Ssh: BindSsh(map, path, name),
            DockerEndpoint: String(map, "docker", path),
            TlsCertificate: Value(map, "tlsCertificate", path, "loadBalancer.tlsCertificate", DeferredKind.Path));
    }

    private SshSpec BindSsh(MapNode map, string path, string host)
    {
        if (Find(map, "ssh") is { } sshNode && Map(sshNode, $"{path}.ssh", SshKeys) is { } ssh)
        {
            return new SshSpec(Value(ssh, "user", $"{path}.ssh", $"{host}.ssh.user", DeferredKind.User) ?? "deploy", Int(ssh, "port", $"{path}.ssh") ?? 22);
        }

        return new SshSpec("deploy", 22);
    }

    private MapNode? Map(ConfigNode node, string path, string[] knownKeys)
    {
        Mark(path, node);
        if (node is not MapNode map)
        {
            Error(path, node, $"must be a mapping with keys {string.Join(", ", knownKeys)}");
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            if (!knownKeys.Contains(key))
            {
                Unknown($"{path}.{key}", value, knownKeys, key);
            }
            else if (!seen.Add(key))
            {
                Error($"{path}.{key}", value, "given twice: keep one");
            }
        }

        return map;
    }

    private static ConfigNode? Find(MapNode map, string key) =>
        map.Entries.LastOrDefault(kv => kv.Key == key).Value;

    private string? String(MapNode map, string key, string path)
    {
        var node = Find(map, key);
        return node is null ? null : Scalar(node, $"{path}.{key}");
    }

    private int? Int(MapNode map, string key, string path)
    {
        var node = Find(map, key);
        if (node is null)
        {
            return null;
        }

        var keyPath = $"{path}.{key}";
        var text = Scalar(node, keyPath);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Explicit.Add(keyPath);
            return value;
        }

        Error(keyPath, node, $"\"{text}\" is not a whole number");
        return null;
    }

    private string? Scalar(ConfigNode node, string path)
    {
        Mark(path, node);
        if (node is ScalarNode scalar)
        {
            return scalar.Value;
        }

        Error(path, node, "must be a single value, not a list or mapping");
        return null;
    }

    private void Mark(string path, ConfigNode node)
    {
        if (node.Mark is { } mark)
        {
            Marks.TryAdd(path, mark);
        }
    }

    private void Unknown(string path, ConfigNode node, IEnumerable<string> known, string? key = null)
    {
        var word = key ?? path;
        var hint = Suggest.Closest(word, known);
        Error(path, node, "unknown key" + (hint is null ? $": known keys are {string.Join(", ", known)}" : $" (did you mean \"{hint}\"?)"));
    }

    private void Error(string path, ConfigNode? node, string message) =>
        _diagnostics.Add(new Diagnostic(Severity.Error, file, path, message, node?.Mark?.Line, node?.Mark?.Column));
}
