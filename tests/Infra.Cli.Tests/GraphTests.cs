using System.Text.RegularExpressions;
using Infra.Cli.Graph;
using Infra.Cli.Tests.Support;

namespace Infra.Cli.Tests;

public partial class GraphTests
{
    /// <summary>The reference design's "Web Server" picture: two colocated hosts behind a load balancer and a firewall.</summary>
    private static readonly string[] ReferenceTwoHostArrows =
    [
        "fl -> lb",
        "lb --> rp1", "lb --> rp2",
        "rp1 --> ha1", "rp2 --> ha2",
        "ap1 --> cr1", "ap1 --> cr2", "ap2 --> cr1", "ap2 --> cr2",
        "ha1 --> ap1", "ha1 --> ap2", "ha2 --> ap2", "ha2 --> ap1",
        "cr1 ..> cr2", "cr2 ..> cr1",
    ];

    [Fact]
    public void Two_host_is_drawn_with_the_reference_designs_boxes_and_arrows()
    {
        var result = InfraCli.Run("graph", "two-host");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.StartsWith("@startuml\n[Firewall] as fl\n[Load Balancer - 80] as lb\n", result.Out);
        Assert.Contains("""
            package "host1" {
                [nginx - 80] as rp1
                [haproxy - 9100] as ha1
                [app - 9210] as ap1
                [crate - 4200] as cr1
            }
            """.Replace("\r\n", "\n"), result.Out);
        Assert.Contains("package \"host2\" {\n    [nginx - 80] as rp2\n", result.Out);
        Assert.Equal(ReferenceTwoHostArrows.Order(), Arrows(result.Out).Order());
        Assert.EndsWith("@enduml\n", result.Out);
    }

    [Fact]
    public void Single_host_is_the_reference_designs_supervisord_picture_with_the_firewall_in_front_of_haproxy()
    {
        var result = InfraCli.Run("graph", "single-host");

        Assert.Equal(0, result.Exit);
        Assert.Contains("package \"localhost\" {\n    [haproxy - 9100] as ha1\n    [app - 9210] as ap1\n    [app - 9211] as ap2\n    [crate - 4200] as cr1\n    [crate - 4201] as cr2\n}", result.Out);
        Assert.Equal(
            ["ap1 --> cr1", "ap1 --> cr2", "ap2 --> cr1", "ap2 --> cr2", "cr1 ..> cr2", "cr2 ..> cr1", "fl -> ha1", "ha1 --> ap1", "ha1 --> ap2"],
            Arrows(result.Out).Order());
        Assert.DoesNotContain("Load Balancer", result.Out);
    }

    [Fact]
    public void Split_role_draws_a_package_per_host()
    {
        var result = InfraCli.Run("graph", "split-role");

        Assert.Equal(0, result.Exit);
        Assert.Contains("package \"rp-host1\" {\n    [nginx - 80] as rp1\n    [haproxy - 9100] as ha1\n}", result.Out);
        Assert.Contains("package \"app-host2\" {\n    [app - 9210] as ap2\n}", result.Out);
        Assert.Contains("package \"crate-host1\" {\n    [crate - 4200] as cr1\n}", result.Out);
        Assert.DoesNotContain("package \"front\"", result.Out);
    }

    [Fact]
    public void Mermaid_has_a_subgraph_per_host_and_dotted_discovery()
    {
        var result = InfraCli.Run("graph", "three-host", "--format", "mermaid");

        Assert.Equal(0, result.Exit);
        Assert.StartsWith("flowchart TB\n    fl[\"Firewall\"]\n    lb[\"Load Balancer - 80\"]\n", result.Out);
        Assert.Contains("    subgraph host_host3[\"host3\"]\n        rp3[\"nginx - 80\"]\n", result.Out);
        Assert.Contains("    lb --> rp3\n", result.Out);
        Assert.Contains("    cr3 -.-> cr1\n", result.Out);
        Assert.Equal(3 + 3 + 9 + 9 + 6 + 1, Regex.Matches(result.Out, "-->|-.->").Count);
    }

    [Fact]
    public void Dot_has_a_cluster_per_host_and_dashed_discovery()
    {
        var result = InfraCli.Run("graph", "dev", "-f", "dot");

        Assert.Equal(0, result.Exit);
        Assert.Equal("""
            digraph "dev" {
                node [shape=box];
                fl [label="Firewall"];
                subgraph "cluster_localhost" {
                    label="localhost";
                    ap1 [label="app - 9210"];
                    cr1 [label="crate - 4200"];
                }
                fl -> ap1;
                ap1 -> cr1;
            }

            """.Replace("\r\n", "\n"), result.Out);
    }

    [Fact]
    public void The_same_stack_draws_the_same_bytes()
    {
        Assert.Equal(InfraCli.Run("graph", "split-role", "-f", "mermaid").Out, InfraCli.Run("graph", "split-role", "-f", "mermaid").Out);
    }

    [Fact]
    public void An_unknown_format_is_a_usage_error()
    {
        var result = InfraCli.Run("graph", "two-host", "--format", "svg");

        Assert.Equal(2, result.Exit);
        Assert.Contains("'svg'", result.Error);
    }

    [Fact]
    public void No_stack_is_a_usage_error()
    {
        var result = InfraCli.Run("graph");

        Assert.Equal(2, result.Exit);
        Assert.Contains("error: give a STACK to draw", result.Error);
    }

    [Fact]
    public void An_invalid_stack_prints_its_errors_and_draws_nothing()
    {
        using var project = new TempProject().WithStack("x", TempProject.CommittedStack("two-host").Replace("address: 192.0.2.12", "address: 10.0.0.300"));

        var result = project.Run("graph", "x");

        Assert.Equal(1, result.Exit);
        Assert.Equal("", result.Out);
        Assert.Contains("stacks/Pulumi.x.yaml:", result.Error);
        Assert.Contains("is not an IP address or host name", result.Error);
    }

    [Fact]
    public void Monitored_draws_the_monitoring_host_and_every_scrape_as_a_labelled_dotted_arrow()
    {
        var result = InfraCli.Run("graph", "monitored");

        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("package \"monitor\" {\n    [node-exporter - 9101] as ne4\n    [prometheus - 9090] as prom\n    [alertmanager - 9093] as am\n}\n", result.Out);
        Assert.Contains("    [nginx-exporter - 9113] as nx1\n    [node-exporter - 9101] as ne1\n}\n", result.Out);
        string[] scrapes = ["ha1", "ha2", "lb", "nx1", "ne1", "nx2", "ne2", "ne3", "ne4", "am"];
        Assert.Equal(scrapes.Select(to => $"prom ..> {to} : metrics").Order(), result.Out.Split('\n').Where(l => l.EndsWith(" : metrics", StringComparison.Ordinal)).Order());
        Assert.Contains("\nprom --> am : alerts\n", result.Out);
        Assert.Equal(ReferenceTwoHostArrows.Order(), Arrows(result.Out).Order());

        var dot = InfraCli.Run("graph", "monitored", "--format", "dot");
        Assert.Contains("    prom -> ha1 [style=dotted, label=\"metrics\"];\n", dot.Out);
    }

    private static IEnumerable<string> Arrows(string plantUml) =>
        plantUml.Split('\n').Where(l => ArrowLine().IsMatch(l));

    [GeneratedRegex(@"^\w+ (->|-->|\.\.>) \w+$")]
    private static partial Regex ArrowLine();
}
