using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Infra.Topology.Model;

namespace Infra.Topology.Spec;

/// <summary>The checks that need the whole spec: names, addresses, ports, layout rules, redundancy.</summary>
internal static partial class SpecValidator
{
    private const string Ns = SpecBinder.Namespace;

    public static IEnumerable<Diagnostic> Check(StackSpec spec, bool layoutKnown, ISet<string> explicitKeys)
    {
        var checks = Values(spec).Concat(Hosts(spec)).Concat(Access(spec)).Concat(HostEntries(spec)).Concat(Instances(spec, layoutKnown, explicitKeys))
            .Concat(CheckMonitoring(spec, layoutKnown, explicitKeys));

        // The layout rules need a layout the binder knew; an unknown one is reported there already.
        return layoutKnown ? checks.Concat(Layouts(spec)).Concat(Counts(spec, explicitKeys)) : checks;
    }

    private static Diagnostic Error(StackSpec spec, string path, string message) => new(Severity.Error, spec.SourceFile, path, message);

    private static Diagnostic Warning(StackSpec spec, string path, string message) => new(Severity.Warning, spec.SourceFile, path, message);

    /// <summary>Values with a grammar of their own: cluster name, health path, heap, images, commands, base ports.</summary>
    private static IEnumerable<Diagnostic> Values(StackSpec spec)
    {
        if (!ClusterNamePattern().IsMatch(spec.ClusterName))
        {
            yield return Error(spec, $"{Ns}:clusterName", $"\"{spec.ClusterName}\" is not a usable cluster name: use lowercase letters, digits, '-' and '_' (e.g. microblog-{spec.Stack})");
        }

        if (Grammar.HealthCheckPath(spec.HealthCheckPath) is { } healthProblem)
        {
            yield return Error(spec, $"{Ns}:healthCheckPath", healthProblem);
        }

        if (spec.AppUser is { } appUser && Grammar.UserId(appUser) is { } userProblem)
        {
            yield return Error(spec, $"{Ns}:appUser", userProblem);
        }

        if (Grammar.MaxUnavailable(spec.Rollout.MaxUnavailable) is { } rolloutProblem)
        {
            yield return Error(spec, $"{Ns}:rollout.maxUnavailable", rolloutProblem);
        }

        if (Grammar.HeapSize(spec.Crate.HeapSize) is { } heapProblem)
        {
            yield return Error(spec, $"{Ns}:crate.heapSize", heapProblem);
        }

        foreach (var (key, image) in new[] { ("nginx", spec.Images.Nginx), ("haproxy", spec.Images.Haproxy), ("app", spec.Images.App), ("crate", spec.Images.Crate) })
        {
            if (key == "app" && string.IsNullOrWhiteSpace(image))
            {
                yield return Error(spec, $"{Ns}:images.app", "missing: the container image of your app, e.g. `registry.example.com/microblog/app:1.0.0`");
            }
            else if (!spec.IsDeferred(image) && Grammar.ImageReference(image) is { } imageProblem)
            {
                yield return Error(spec, $"{Ns}:images.{key}", imageProblem);
            }
        }

        foreach (var (key, command) in new[] { ("app", spec.Commands.App), ("crate", spec.Commands.Crate), ("haproxy", spec.Commands.Haproxy) })
        {
            if (Grammar.Command(command) is { } commandProblem)
            {
                yield return Error(spec, $"{Ns}:commands.{key}", commandProblem);
            }
        }

        foreach (var (name, port) in PortBases(spec.Ports))
        {
            if (port is < 1 or > 65535)
            {
                yield return Error(spec, $"{Ns}:ports.{name}", $"{port} is outside 1-65535");
            }
        }
    }

    /// <summary>That there are hosts, and the load balancer's certificate path.</summary>
    private static IEnumerable<Diagnostic> Hosts(StackSpec spec)
    {
        if (spec.Hosts.Count == 0)
        {
            yield return Error(spec, $"{Ns}:hosts", "no hosts: list at least one (`- name: host1`, `address: 192.0.2.11`)");
        }

        if (spec.LoadBalancer?.TlsCertificate is { } certificate && !spec.IsDeferred(certificate) && Grammar.AbsoluteFilePath(certificate, "/etc/ssl/private/front.pem") is { } certificateProblem)
        {
            yield return Error(spec, $"{Ns}:loadBalancer.tlsCertificate", $"{certificateProblem} (the PEM file with the certificate chain and private key, on the load balancer host)");
        }
    }

    /// <summary>Who may administer the hosts: `adminSources`.</summary>
    private static IEnumerable<Diagnostic> Access(StackSpec spec)
    {
        for (var i = 0; i < spec.AdminSources.Count; i++)
        {
            if (!IPNetwork.TryParse(spec.AdminSources[i], out _) && !IPAddress.TryParse(spec.AdminSources[i], out _))
            {
                yield return Error(spec, $"{Ns}:adminSources[{i}]", $"\"{spec.AdminSources[i]}\" is not an address or network: write an IP address or a CIDR network, e.g. 203.0.113.0/24");
            }
        }

        var remote = spec.Hosts.Select(h => h.Address).Concat(spec.LoadBalancer is { } front ? [front.Address] : []).Any(a => a.Length > 0 && !TopologyResolver.IsLoopback(a));
        if (remote && spec.AdminSources.Count == 0)
        {
            yield return Warning(spec, $"{Ns}:adminSources", "not set: SSH on every host is open to every address; list the addresses or networks operators connect from, e.g. `- 203.0.113.0/24`");
        }
    }

    /// <summary>Each host's name, address, SSH access and Docker endpoint, unique across the stack.</summary>
    private static IEnumerable<Diagnostic> HostEntries(StackSpec spec)
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var all = spec.Hosts.Select((h, i) => (Path: $"{Ns}:hosts[{i}]", h.Name, h.Address, h.Ssh, h.DockerEndpoint)).ToList();
        if (spec.LoadBalancer is { } lbSpec)
        {
            all.Add(($"{Ns}:loadBalancer", lbSpec.Name, lbSpec.Address, lbSpec.Ssh, lbSpec.DockerEndpoint));
        }

        foreach (var (path, name, address, ssh, docker) in all)
        {
            if (name.Length == 0)
            {
                yield return Error(spec, $"{path}.name", "missing: give the host a name, e.g. `name: host1`");
            }
            else if (!HostNamePattern().IsMatch(name))
            {
                yield return Error(spec, $"{path}.name", $"\"{name}\" is not a usable host name: use lowercase letters, digits and '-' (it names resources and files)");
            }
            else if (names.TryGetValue(name, out var first))
            {
                yield return Error(spec, $"{path}.name", $"\"{name}\" is already the name of {first}: host names must be unique");
            }
            else
            {
                names[name] = path;
            }

            if (address.Length == 0)
            {
                yield return Error(spec, $"{path}.address", "missing: give the host's IP address or DNS name, e.g. `address: 192.0.2.11`");
            }
            else if (!spec.IsDeferred(address) && AddressProblem(address) is { } problem)
            {
                yield return Error(spec, $"{path}.address", problem);
            }
            else if (addresses.TryGetValue(address, out var firstAddress))
            {
                yield return Error(spec, $"{path}.address", $"\"{address}\" is already the address of {firstAddress}: each host needs its own address (two instances would fight over one port)");
            }
            else
            {
                addresses[address] = path;
            }

            if (ssh.Port is < 1 or > 65535)
            {
                yield return Error(spec, $"{path}.ssh.port", $"{ssh.Port} is outside 1-65535");
            }

            if (ssh.User.Length == 0)
            {
                yield return Error(spec, $"{path}.ssh.user", "empty: write the SSH user, e.g. `user: deploy`");
            }
            else if (!spec.IsDeferred(ssh.User) && Grammar.SshUser(ssh.User) is { } userProblem)
            {
                yield return Error(spec, $"{path}.ssh.user", userProblem);
            }

            if (docker is not null && Grammar.DockerEndpoint(docker) is { } endpointProblem)
            {
                yield return Error(spec, $"{path}.docker", endpointProblem);
            }
            else if (docker is not null && docker.StartsWith("tcp://", StringComparison.Ordinal) && spec.AdminSources.Count == 0)
            {
                yield return Error(spec, $"{path}.docker", $"\"{docker}\": a TCP Docker endpoint is opened in the host's firewall to microblog:adminSources only, and none are listed: list them (e.g. `- 203.0.113.0/24`), or use ssh://{ssh.User}@{address}");
            }
        }
    }

    /// <summary>Each host's instance counts, roles and ports.</summary>
    private static IEnumerable<Diagnostic> Instances(StackSpec spec, bool layoutKnown, ISet<string> explicitKeys)
    {
        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var host = spec.Hosts[i];
            var path = $"{Ns}:hosts[{i}]";
            if (host.AppInstances < 0)
            {
                yield return Error(spec, $"{path}.instances.app", $"{host.AppInstances} is negative");
            }

            if (host.CrateNodes < 0)
            {
                yield return Error(spec, $"{path}.instances.crate", $"{host.CrateNodes} is negative");
            }

            if (!layoutKnown)
            {
                continue;
            }

            var roles = PortPlan.RolesOf(spec.Layout, host);
            if (spec.Layout == Layout.SplitRole)
            {
                if (host.Roles.Count == 0)
                {
                    yield return Error(spec, $"{path}.roles", "missing: a split-role host says what it runs, e.g. `roles: [proxy]` (nginx + haproxy), `roles: [app]` or `roles: [crate]`");
                }

                if (roles.Contains(Role.Nginx) != roles.Contains(Role.Haproxy))
                {
                    yield return Error(spec, $"{path}.roles", "nginx proxies to the haproxy on its own host: give this host both (`proxy`) or neither");
                }

                if (explicitKeys.Contains($"{path}.instances.app") && !roles.Contains(Role.App))
                {
                    yield return Error(spec, $"{path}.instances.app", "this host has no `app` role: add `app` to its roles or remove the count");
                }

                if (explicitKeys.Contains($"{path}.instances.crate") && !roles.Contains(Role.Crate))
                {
                    yield return Error(spec, $"{path}.instances.crate", "this host has no `crate` role: add `crate` to its roles or remove the count");
                }
            }
            else if (explicitKeys.Contains($"{path}.roles"))
            {
                yield return Error(spec, $"{path}.roles", $"layout {LayoutName(spec.Layout)} decides the roles of every host: remove `roles`, or use `layout: split-role`");
            }

            foreach (var collision in PortCollisions(PortPlan.For(spec.Ports, host, roles), path, explicitKeys))
            {
                yield return Error(spec, collision.Path, collision.Message);
            }
        }
    }

    /// <summary>What the layout allows: one host or many, a load balancer or none.</summary>
    private static IEnumerable<Diagnostic> Layouts(StackSpec spec)
    {
        var layoutName = LayoutName(spec.Layout);
        if (spec.Layout is Layout.Dev or Layout.SingleHost)
        {
            if (spec.Hosts.Count > 1)
            {
                yield return Error(spec, $"{Ns}:hosts", $"layout {layoutName} runs on exactly one host, {spec.Hosts.Count} are listed: keep one, or use `layout: colocated` or `split-role`");
            }

            if (spec.LoadBalancer is not null)
            {
                yield return Error(spec, $"{Ns}:loadBalancer", $"layout {layoutName} has no front load balancer (clients talk to {(spec.Layout == Layout.Dev ? "the app" : "haproxy")} directly): remove this key");
            }
        }
        else if (spec.LoadBalancer is null)
        {
            yield return Error(spec, $"{Ns}:loadBalancer", $"missing: layout {layoutName} puts a load balancer in front of every nginx; add `{Ns}:loadBalancer: {{name: front, address: 192.0.2.10}}`");
        }
    }

    /// <summary>Across the stack: the roles a layout needs, instance counts, the master-eligible set, redundancy.</summary>
    private static IEnumerable<Diagnostic> Counts(StackSpec spec, ISet<string> explicitKeys)
    {
        var counts = Enum.GetValues<Role>().ToDictionary(
            role => role,
            role => spec.Hosts.Sum(h => PortPlan.CountOf(role, h, PortPlan.RolesOf(spec.Layout, h))));

        if (spec.Layout == Layout.SplitRole)
        {
            foreach (var (role, label) in new[] { (Role.Nginx, "proxy (nginx + haproxy)"), (Role.App, "app"), (Role.Crate, "crate") })
            {
                if (!spec.Hosts.Any(h => h.Roles.Contains(role)))
                {
                    yield return Error(spec, $"{Ns}:hosts", $"no host has the {label} role: a split-role stack needs at least one host with each of proxy, app and crate");
                }
            }
        }

        if (spec.Hosts.Count > 0 && counts[Role.App] == 0 && (spec.Layout != Layout.SplitRole || spec.Hosts.Any(h => h.Roles.Contains(Role.App))))
        {
            yield return Error(spec, InstancePath(spec, Role.App), "zero app instances in the whole stack: set `instances: {app: 1}` or more on at least one host");
        }

        if (spec.Hosts.Count > 0 && counts[Role.Crate] == 0 && (spec.Layout != Layout.SplitRole || spec.Hosts.Any(h => h.Roles.Contains(Role.Crate))))
        {
            yield return Error(spec, InstancePath(spec, Role.Crate), "zero CrateDB nodes in the whole stack: set `instances: {crate: 1}` or more on at least one host");
        }

        var masters = Math.Min(spec.Crate.MasterNodes, counts[Role.Crate]);
        if (spec.Crate.MasterNodes < 1)
        {
            yield return Error(spec, $"{Ns}:crate.masterNodes", $"{spec.Crate.MasterNodes}: a cluster needs at least one master-eligible node; write 3 (or 1 for a single node)");
        }
        else if (explicitKeys.Contains($"{Ns}:crate.masterNodes") && spec.Crate.MasterNodes > counts[Role.Crate] && counts[Role.Crate] > 0)
        {
            yield return Error(spec, $"{Ns}:crate.masterNodes", $"{spec.Crate.MasterNodes} master-eligible nodes, but the stack has {counts[Role.Crate]} CrateDB nodes: write at most {counts[Role.Crate]}");
        }
        else if (masters == 2)
        {
            yield return Warning(
                spec,
                explicitKeys.Contains($"{Ns}:crate.masterNodes") ? $"{Ns}:crate.masterNodes" : $"{Ns}:hosts",
                "2 master-eligible CrateDB nodes cannot survive the loss of either (a majority of 2 is 2): use 3");
        }

        if (spec.Layout is Layout.Colocated or Layout.SplitRole)
        {
            if (counts[Role.Nginx] == 1)
            {
                yield return Warning(spec, $"{Ns}:hosts", "only one nginx: the load balancer has nothing to fail over to when its host goes down; add a second");
            }
            else if (counts[Role.Haproxy] == 1)
            {
                yield return Warning(spec, $"{Ns}:hosts", "only one haproxy: no redundancy when its host goes down; add a second");
            }
        }
    }

    public static string LayoutName(Layout layout) => layout.Name();

    private static string InstancePath(StackSpec spec, Role role)
    {
        var key = role == Role.App ? "app" : "crate";
        return spec.Hosts.Count == 1 ? $"{Ns}:hosts[0].instances.{key}" : $"{Ns}:hosts";
    }

    private static IEnumerable<(string Name, int Port)> PortBases(PortSpec p) => PortSpec.Keys.Select(k => (k.Name, k.Get(p)));

    private static IEnumerable<(string Path, string Message)> PortCollisions(IReadOnlyList<PortPlan.Claim> claims, string hostPath, ISet<string> explicitKeys)
    {
        foreach (var claim in claims.Where(c => c.Port is < 1 or > 65535 && c.Index > 0).GroupBy(c => c.BaseKey))
        {
            var last = claim.Last();
            yield return ($"{hostPath}.instances.{(last.Role == Role.App ? "app" : "crate")}",
                $"{last.Role.ToString().ToLowerInvariant()} instance {last.Index + 1} would take port {last.Port}, outside 1-65535: lower the count or the base `{Ns}:ports.{last.BaseKey}`");
        }

        foreach (var group in claims.Where(c => c.Port is >= 1 and <= 65535).GroupBy(c => c.Port).Where(g => g.Count() > 1))
        {
            var pair = group.Take(2).ToList();
            var blame = pair.FirstOrDefault(c => explicitKeys.Contains($"{Ns}:ports.{c.BaseKey}")) is { } overridden
                ? $"{Ns}:ports.{overridden.BaseKey}"
                : $"{hostPath}.instances";
            yield return (blame,
                $"port {group.Key} is wanted twice on this host ({Describe(pair[0])} and {Describe(pair[1])}): move `{Ns}:ports.{pair[0].BaseKey}` or `{Ns}:ports.{pair[1].BaseKey}` so the ranges don't overlap");
        }

        static string Describe(PortPlan.Claim c) =>
            $"{c.Role.ToString().ToLowerInvariant()} {(c.Kind == PortKind.Http ? "" : c.Kind.ToString().ToLowerInvariant() + " ")}#{c.Index + 1} from base {c.BaseKey}".Replace("  ", " ");
    }

    private static string? AddressProblem(string address)
    {
        if (address.Contains(':'))
        {
            return IPAddress.TryParse(address, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                ? null
                : $"\"{address}\" is not an IPv6 address";
        }

        if (DottedNumbers().IsMatch(address))
        {
            var parts = address.Split('.');
            return parts.Length == 4 && parts.All(p => p.Length <= 3 && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255)
                ? null
                : $"\"{address}\" is not an IP address or host name (an IPv4 address is four numbers 0-255, e.g. 192.0.2.11)";
        }

        if (!Grammar.IsDnsName(address))
        {
            return $"\"{address}\" is not an IP address or host name";
        }

        // nft resolves a name once, when the rules load; a later change of address would lock the peer out.
        return address == "localhost" ? null : $"\"{address}\" is a DNS name, but the firewall rules between hosts need addresses: write the host's IP address";
    }

    [GeneratedRegex("^[0-9.]+$")]
    private static partial Regex DottedNumbers();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")]
    private static partial Regex HostNamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex ClusterNamePattern();

}
