using System.Text;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Cli.Graph;

public enum GraphFormat
{
    PlantUml,
    Mermaid,
    Dot,
}

/// <summary>
/// Draws a topology the way the reference design does: the firewall and load balancer in front, a package per host
/// holding a box per service (`[nginx - 80] as rp1`), an arrow per wire, dotted arrows for CrateDB discovery and for
/// what Prometheus scrapes (labelled metrics), an arrow labelled alerts from Prometheus to Alertmanager.
/// </summary>
public static class GraphWriter
{
    private const string Firewall = "fl";

    public static string Write(StackTopology topology, GraphFormat format) => format switch
    {
        GraphFormat.PlantUml => PlantUml(Drawing.Of(topology)),
        GraphFormat.Mermaid => Mermaid(Drawing.Of(topology)),
        GraphFormat.Dot => Dot(Drawing.Of(topology)),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>What every format draws, in one order: boxes outside hosts, hosts with their boxes, groups of arrows.</summary>
    private sealed record Drawing(
        string Stack,
        IReadOnlyList<Box> Outside,
        IReadOnlyList<(string Host, IReadOnlyList<Box> Boxes)> Packages,
        IReadOnlyList<IReadOnlyList<Arrow>> ArrowGroups)
    {
        public static Drawing Of(StackTopology topology)
        {
            // The load balancer is drawn in front, as in the reference design, not as a host of its own.
            var front = topology.Of(Role.LoadBalancer).ToList();
            var outside = new List<Box> { new(Firewall, "Firewall") };
            outside.AddRange(front.Select(lb => new Box(lb.Alias, $"Load Balancer - {string.Join(", ", new[] { lb.Port, lb.TlsPort }.OfType<int>())}")));

            var packages = topology.Hosts
                .Select(h => (h.Name, Boxes: (IReadOnlyList<Box>)topology.On(h.Name).Where(i => i.Role != Role.LoadBalancer).Select(Label).ToList()))
                .Where(p => p.Boxes.Count > 0)
                .ToList();

            var groups = new List<IReadOnlyList<Arrow>>
            {
                topology.FrontDoor.Select(door => new Arrow(Firewall, door.Alias, EdgeKind.Http, Sideways: true)).ToList(),
            };
            groups.AddRange(topology.Edges
                .GroupBy(e => (topology.Instance(e.From).Role, e.Kind))
                .Select(g => (IReadOnlyList<Arrow>)g.Select(e => new Arrow(topology.Instance(e.From).Alias, topology.Instance(e.To).Alias, e.Kind, Sideways: false)).ToList()));

            return new Drawing(topology.Stack, outside, packages, groups.Where(g => g.Count > 0).ToList());
        }

        private static Box Label(Instance instance) =>
            new(instance.Alias, $"{TopologyResolver.RoleName(instance.Role)} - {instance.Port}");
    }

    private sealed record Box(string Alias, string Label);

    private sealed record Arrow(string From, string To, EdgeKind Kind, bool Sideways);

    private static string PlantUml(Drawing drawing)
    {
        var text = new StringBuilder();
        text.Append("@startuml\n");
        foreach (var box in drawing.Outside)
        {
            text.Append($"[{box.Label}] as {box.Alias}\n");
        }

        foreach (var (host, boxes) in drawing.Packages)
        {
            text.Append($"\npackage \"{host}\" {{\n");
            foreach (var box in boxes)
            {
                text.Append($"    [{box.Label}] as {box.Alias}\n");
            }

            text.Append("}\n");
        }

        foreach (var group in drawing.ArrowGroups)
        {
            text.Append('\n');
            foreach (var arrow in group)
            {
                // `->` keeps the firewall beside the load balancer, as the reference design lays it out.
                var line = arrow.Kind is EdgeKind.Discovery or EdgeKind.Scrape ? "..>" : arrow.Sideways ? "->" : "-->";
                text.Append($"{arrow.From} {line} {arrow.To}{Label(arrow.Kind, " : ")}\n");
            }
        }

        text.Append("@enduml\n");
        return text.ToString();
    }

    private static string Mermaid(Drawing drawing)
    {
        var text = new StringBuilder();
        text.Append("flowchart TB\n");
        foreach (var box in drawing.Outside)
        {
            text.Append($"    {box.Alias}[\"{box.Label}\"]\n");
        }

        foreach (var (host, boxes) in drawing.Packages)
        {
            text.Append($"    subgraph {Id("host_", host)}[\"{host}\"]\n");
            foreach (var box in boxes)
            {
                text.Append($"        {box.Alias}[\"{box.Label}\"]\n");
            }

            text.Append("    end\n");
        }

        foreach (var arrow in drawing.ArrowGroups.SelectMany(g => g))
        {
            var label = Label(arrow.Kind, "");
            text.Append($"    {arrow.From} {(arrow.Kind is EdgeKind.Discovery or EdgeKind.Scrape ? "-.->" : "-->")}{(label.Length == 0 ? "" : $"|{label}|")} {arrow.To}\n");
        }

        return text.ToString();
    }

    private static string Dot(Drawing drawing)
    {
        var text = new StringBuilder();
        text.Append($"digraph \"{drawing.Stack}\" {{\n");
        text.Append("    node [shape=box];\n");
        foreach (var box in drawing.Outside)
        {
            text.Append($"    {box.Alias} [label=\"{box.Label}\"];\n");
        }

        foreach (var (host, boxes) in drawing.Packages)
        {
            text.Append($"    subgraph \"cluster_{host}\" {{\n");
            text.Append($"        label=\"{host}\";\n");
            foreach (var box in boxes)
            {
                text.Append($"        {box.Alias} [label=\"{box.Label}\"];\n");
            }

            text.Append("    }\n");
        }

        foreach (var arrow in drawing.ArrowGroups.SelectMany(g => g))
        {
            var style = arrow.Kind switch
            {
                EdgeKind.Discovery => " [style=dashed]",
                EdgeKind.Scrape => " [style=dotted, label=\"metrics\"]",
                EdgeKind.Alert => " [label=\"alerts\"]",
                _ => "",
            };
            text.Append($"    {arrow.From} -> {arrow.To}{style};\n");
        }

        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>Monitoring arrows say what they carry; the serving path's arrows need no words.</summary>
    private static string Label(EdgeKind kind, string prefix) => kind switch
    {
        EdgeKind.Scrape => prefix + "metrics",
        EdgeKind.Alert => prefix + "alerts",
        _ => "",
    };

    /// <summary>A Mermaid id from a host name: Mermaid reads '-' as part of an arrow.</summary>
    private static string Id(string prefix, string name) =>
        prefix + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
