using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Configs;

/// <summary>
/// One nftables ruleset per host: nothing but the front door is reachable from outside, every other port only from
/// the hosts of the roles wired to it (README, "Security"). The table's rules are the same on every host of every
/// stack: each kind of source (the operators, each role that connects across hosts) has an address set and a port
/// set, and one rule admits the one to the other. What a host admits is therefore data: the elements of its sets,
/// written as `add element` lines after the table. That is what lets access follow what it admits (README, "How a
/// change reaches the running services"): an update first adds the new elements alone (nothing withdrawn while the old
/// consumers still connect), and loads the whole file, which withdraws what is no longer wired, once they are gone.
/// </summary>
public static partial class FirewallConfig
{
    /// <summary>
    /// Marks a table of this layout: only such a table takes an update's new elements alone; any other (none yet, or one
    /// written by an earlier release) is replaced by the whole file at once.
    /// </summary>
    public const string TableComment = "microblog-infra: access sets v1";

    public const string Table = "inet microblog";

    /// <summary>
    /// Who may connect: the operators (<see cref="Admin"/>) or the hosts of a role. Its address sets are
    /// <c>Name</c> (IPv4) and <c>Name6</c> (IPv6); its port set on a host is <see cref="PortSet"/>.
    /// </summary>
    public sealed record Source(string Name, string PortSet, string Describe, bool Networks);

    public static readonly Source Admin = new("admin_sources", "admin_ports", "microblog:adminSources", Networks: true);

    /// <summary>The hosts of a role that connects across hosts (<see cref="TopologyResolver.RemoteSourceRoles"/>).</summary>
    public static Source Hosts(Role role) =>
        new($"{SetName(role)}_hosts", $"{SetName(role)}_ports", role switch
        {
            Role.LoadBalancer => "the load balancer",
            Role.Prometheus => "the monitoring host",
            _ => $"every {TopologyResolver.RoleName(role)} host",
        }, Networks: false);

    /// <summary>Every kind of source, in the table's order: the same on every host of every stack.</summary>
    public static IReadOnlyList<Source> Sources { get; } = [Admin, .. TopologyResolver.RemoteSourceRoles.Select(Hosts)];

    /// <summary>The ports open to anyone (the front door; SSH without microblog:adminSources).</summary>
    public const string OpenPorts = "open_ports";

    /// <summary>
    /// The CrateDB HTTP ports of this host open to the admin network's containers, on the admin network's bridge only
    /// (<see cref="CrateAccess"/>): the deployment's own statements, as CrateDB's superuser.
    /// </summary>
    public const string CrateAdminPorts = "crate_admin_ports";

    /// <summary>
    /// Ports of this host opened to a source; null: to anyone. An opening whose sources run on this host only
    /// (<see cref="LoopbackOnly"/>) admits nothing from outside: their traffic arrives on lo, accepted before any rule.
    /// </summary>
    public sealed record Opening(string What, EquatableArray<int> Ports, Source? From, bool LoopbackOnly = false, string? Note = null)
    {
        public override string ToString() => $"{What}{(Note is null ? "" : ": " + Note)} ({string.Join(", ", Ports)})";
    }

    public static IReadOnlyList<Opening> Openings(StackTopology topology, Host host)
    {
        var admins = topology.Spec.AdminSources.Count > 0;
        var openings = new List<Opening>
        {
            admins
                ? new("ssh", [host.Access.Ssh.Port], Admin)
                : new("ssh", [host.Access.Ssh.Port], null, Note: "microblog:adminSources not set"),
        };
        // The validator allows a tcp:// endpoint only with admin sources.
        if (host.Access.DockerEndpoint.StartsWith("tcp://", StringComparison.Ordinal) && admins)
        {
            openings.Add(new("the Docker engine (tcp)", [new Uri(host.Access.DockerEndpoint).Port], Admin));
        }

        var frontDoor = topology.FrontDoor;
        foreach (var instance in topology.On(host.Name))
        {
            if (MonitoringOpenings(topology, instance) is { } monitoring)
            {
                openings.AddRange(monitoring);
                if (instance.Role.IsMonitoring())
                {
                    continue;
                }
            }

            if (frontDoor.Contains(instance))
            {
                openings.Add(new($"{instance.Name}, the front door", instance.Ports.ToEquatableArray(), null));
                continue;
            }

            // Monitoring's own wires (scrapes, alerts) are opened by MonitoringOpenings, on their own ports.
            var wires = topology.WiresTo(instance.Role).Where(w => w.Kind is not (EdgeKind.Scrape or EdgeKind.Alert)).ToList();
            if (wires.Count == 0)
            {
                openings.Add(new(instance.Name, [instance.Port], null, LoopbackOnly: true, Note: "nothing connects to it"));
            }

            openings.AddRange(wires.Select(wire => From(topology, instance, wire)));
        }

        return openings;
    }

    public static string Render(StackTopology topology, Host host)
    {
        var openings = Openings(topology, host);
        var parts = new List<string> { Header(topology, host), Skeleton };
        var open = openings.Where(o => o.From is null && !o.LoopbackOnly).ToList();
        parts.Add(Section("from anywhere", open, open.Count == 0 ? [] : [AddElements(OpenPorts, Ports(open))]));
        foreach (var source in Sources)
        {
            var admitted = openings.Where(o => o.From == source && !o.LoopbackOnly).ToList();
            var members = admitted.Count == 0 ? null : MembersOf(topology, source);
            parts.Add(Section($"from {source.Describe}", admitted, members is null || members.Count == 0 ? [] : [members.Elements, AddElements(source.PortSet, Ports(admitted))]));
        }

        var crate = topology.On(host.Name, Role.Crate).ToList();
        parts.Add(Section($"from the CrateDB admin network ({CrateAccess.AdminClients} on its bridge {CrateAccess.AdminBridge}, this host's only)",
            crate.Select(c => new Opening($"{c.Name} http, the deployment's statements as CrateDB's superuser", [c.Port], null)).ToList(),
            crate.Count == 0 ? [] : [AddElements(CrateAdminPorts, crate.Select(c => c.Port).Order())]));
        parts.Add(Section("over loopback only (accepted on lo, nothing from outside)", openings.Where(o => o.LoopbackOnly).ToList(), []));
        return string.Concat(parts);
    }

    /// <summary>The ruleset's `add element` lines alone: what an update adds before anything is withdrawn.</summary>
    public static IEnumerable<string> Additions(string ruleset) =>
        ruleset.Split('\n').Where(line => line.StartsWith("add element ", StringComparison.Ordinal));

    /// <summary>A ruleset's elements, set by set, read back from its `add element` lines.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Elements(string ruleset)
    {
        var prefix = $"add element {Table} ";
        return Additions(ruleset)
            .Select(line => line[prefix.Length..].Split(' ', 2))
            .GroupBy(parts => parts[0], parts => parts[1].Trim('{', '}', ' ').Split(", "), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.SelectMany(e => e).ToList(), StringComparer.Ordinal);
    }

    private static string Header(StackTopology topology, Host host) => $"""
        # {topology.Stack} / {host.Name}: generated by microblog-infra: do not edit
        # `nft -f nftables.conf` replaces this table in one step and leaves other tables (Docker's) alone; a packet dropped
        # by any input chain is dropped, so this table alone decides what gets in. The rules are the same on every host:
        # what this host admits is the elements added below. An update adds its new elements first (the `add element`
        # lines alone) and loads this whole file once what connected under the old ones is gone.

        """;

    /// <summary>The table with every set empty and its rules: the same text for every host of every stack.</summary>
    private static readonly string Skeleton = MakeSkeleton();

    private static string MakeSkeleton()
    {
        var text = new StringBuilder();
        text.Append($$"""
            table {{Table}}
            delete table {{Table}}

            table {{Table}} {
                comment "{{TableComment}}"

                set {{OpenPorts}} { type inet_service; }
                set {{CrateAdminPorts}} { type inet_service; }

            """);
        foreach (var source in Sources)
        {
            var flags = source.Networks ? " flags interval; auto-merge;" : "";
            text.Append($"    set {source.Name} {{ type ipv4_addr;{flags} }}\n");
            text.Append($"    set {source.Name}6 {{ type ipv6_addr;{flags} }}\n");
            text.Append($"    set {source.PortSet} {{ type inet_service; }}\n\n");
        }

        text.Append($$"""
                chain input {
                    type filter hook input priority filter; policy drop;

                    ct state established,related accept
                    ct state invalid drop
                    ip saddr {{CrateAccess.AdminClients}} iifname != "{{CrateAccess.AdminBridge}}" drop
                    iif "lo" accept
                    icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept
                    icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept
                    tcp dport @{{OpenPorts}} accept
                    iifname "{{CrateAccess.AdminBridge}}" ip saddr {{CrateAccess.AdminClients}} tcp dport @{{CrateAdminPorts}} accept

            """);
        foreach (var source in Sources)
        {
            text.Append($"        ip saddr @{source.Name} tcp dport @{source.PortSet} accept\n");
            text.Append($"        ip6 saddr @{source.Name}6 tcp dport @{source.PortSet} accept\n");
        }

        text.Append("    }\n}\n");
        return text.ToString();
    }

    /// <summary>A source's openings on this host: a comment line each, then the elements that admit them.</summary>
    private static string Section(string title, IReadOnlyList<Opening> openings, IReadOnlyList<string> elements)
    {
        if (openings.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder().Append("\n# ").Append(title).Append('\n');
        foreach (var opening in openings)
        {
            text.Append("#   ").Append(opening).Append('\n');
        }

        foreach (var line in elements.Where(l => l.Length > 0))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static IReadOnlyList<int> Ports(IEnumerable<Opening> openings) => openings.SelectMany(o => o.Ports).Distinct().Order().ToList();

    private static string AddElements(string set, IEnumerable<int> ports) =>
        AddElements(set, ports.Select(p => p.ToString(CultureInfo.InvariantCulture)).ToList());

    private static string AddElements(string set, IReadOnlyList<string> elements) =>
        elements.Count == 0 ? "" : $"add element {Table} {set} {{ {string.Join(", ", elements)} }}";

    /// <summary>The ports a wire opens on its target: the port it connects to, and for CrateDB peers the transport too.</summary>
    private static int[] PortsOpenedBy(EdgeKind kind, Instance target) => kind switch
    {
        EdgeKind.Http => [target.Port],
        EdgeKind.Sql => [target.Port, Required(target.PsqlPort, target, "psql")],
        EdgeKind.Discovery => [target.Port, Required(target.PsqlPort, target, "psql"), Required(target.TransportPort, target, "transport")],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string PortNames(EdgeKind kind, Instance target) => (kind, target.Role) switch
    {
        (_, not Role.Crate) => "",
        (EdgeKind.Discovery, _) => " http, psql, transport",
        _ => " http, psql",
    };

    private static Opening From(StackTopology topology, Instance target, Wire wire)
    {
        var what = target.Name + PortNames(wire.Kind, target);
        var ports = PortsOpenedBy(wire.Kind, target).ToEquatableArray();
        if (wire.Scope == WireScope.SameHost)
        {
            var sources = topology.On(target.Host, wire.From);
            return new Opening(what, ports, null, LoopbackOnly: true, Note: sources.Count == 0 ? "nothing connects to it" : $"from {string.Join(", ", sources.Select(s => s.Name))}");
        }

        var any = wire.Scope == WireScope.Others ? topology.Of(wire.From).Any(i => i != target) : topology.Of(wire.From).Count > 0;
        var source = Hosts(wire.From);
        // A role's set holds every host of the role, this one too where it runs the role: a host's own traffic arrives
        // on lo and is accepted before any rule, so the set opens nothing to it that a smaller set would not.
        return !any ? new Opening(what, ports, null, LoopbackOnly: true, Note: "nothing connects to it")
            : MembersOf(topology, source).Count == 0 ? new Opening(what, ports, source, LoopbackOnly: true, Note: $"from {source.Describe}, all on this host")
            : new Opening(what, ports, source);
    }

    /// <summary>A source's addresses in the stack and their `add element` lines, worked out once per stack: every host's file that admits the source copies them.</summary>
    private sealed record Members(int Count, string Elements);

    private static readonly ConditionalWeakTable<StackTopology, System.Collections.Concurrent.ConcurrentDictionary<string, Members>> MemberTexts = new();

    private static Members MembersOf(StackTopology topology, Source source) =>
        MemberTexts.GetValue(topology, _ => new(StringComparer.Ordinal)).GetOrAdd(source.Name, _ =>
        {
            var addresses = source == Admin
                ? topology.Spec.AdminSources.ToList()
                : topology.Of(TopologyResolver.RemoteSourceRoles.Single(r => Hosts(r) == source)).Select(i => i.Address)
                    .Where(a => !TopologyResolver.IsLoopback(a)).Distinct(StringComparer.Ordinal).ToList();
            var v4 = addresses.Where(a => FamilyOf(a) == AddressFamily.InterNetwork).ToList();
            var v6 = addresses.Where(a => FamilyOf(a) == AddressFamily.InterNetworkV6).ToList();
            var lines = new[] { AddElements(source.Name, v4), AddElements(source.Name + "6", v6) }.Where(l => l.Length > 0);
            return new Members(addresses.Count, string.Join('\n', lines));
        });

    /// <summary>nft set names take letters, digits and underscores.</summary>
    private static string SetName(Role role) => TopologyResolver.RoleName(role).Replace('-', '_');

    /// <summary>An address or a CIDR network.</summary>
    private static AddressFamily FamilyOf(string source) =>
        IPAddress.TryParse(source, out var address) ? address.AddressFamily
        : Deferred.Parse(source) is { } placeholder ? (placeholder.Kind == DeferredKind.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)
        : IPNetwork.Parse(source).BaseAddress.AddressFamily;

    private static int Required(int? port, Instance instance, string kind) =>
        port ?? throw new InvalidOperationException($"{instance.Name} has no {kind} port");
}
