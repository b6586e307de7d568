using System.Text.Json.Nodes;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

/// <summary>
/// Values known only at deploy time (a VM's address, a pushed image): the plan carries their placeholders, declared
/// with what the plan must know of them (an address's family), and the runner fills them in.
/// </summary>
public class DeferredTests
{
    private static readonly DeferredValue Host1 = new("host1.address", DeferredKind.IPv4, "hosts[0].address, an output given to the test");
    private static readonly DeferredValue Host2 = new("host2.address", DeferredKind.IPv4, "hosts[1].address, an output given to the test");
    private static readonly DeferredValue Front = new("front.address", DeferredKind.IPv4, "loadBalancer.address, an output given to the test");

    private static readonly Dictionary<string, string> Written = new()
    {
        ["host1.address"] = "192.0.2.11",
        ["host2.address"] = "192.0.2.12",
        ["front.address"] = "192.0.2.10",
    };

    /// <summary>two-host's config with its addresses as the placeholders of <paramref name="deferred"/>.</summary>
    private static LoadResult TwoHost(IReadOnlyList<DeferredValue>? deferred, IReadOnlyList<DeferredValue> placed)
    {
        var config = PulumiConfigOf.StackFile(Repo.StackFile("two-host"));
        var hosts = JsonNode.Parse(config["microblog:hosts"])!.AsArray();
        var loadBalancer = JsonNode.Parse(config["microblog:loadBalancer"])!.AsObject();
        foreach (var value in placed)
        {
            var node = value.Key == "front.address" ? loadBalancer : hosts.Single(h => $"{h!["name"]}.address" == value.Key)!.AsObject();
            node["address"] = value.Placeholder;
        }

        config["microblog:hosts"] = hosts.ToJsonString();
        config["microblog:loadBalancer"] = loadBalancer.ToJsonString();
        return SpecLoader.LoadPulumiConfig(config, "two-host", "stacks/Pulumi.two-host.yaml", deferred);
    }

    private static DeploymentPlan Plan(LoadResult result) => Planner.Plan(TopologyResolver.Resolve(result.Spec ?? throw new InvalidOperationException(string.Join("\n", result.Errors))));

    [Fact]
    public void A_placeholder_the_stack_does_not_declare_is_no_address()
    {
        var result = TwoHost(deferred: null, placed: [Host1]);

        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:hosts[0].address", error.KeyPath);
        Assert.Contains("is not an IP address or host name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Filled_in_the_plan_of_placeholders_is_the_plan_of_the_values_and_so_are_the_triggers_of_what_embeds_them()
    {
        var literal = Planner.Plan(Repo.Topology("two-host"));
        var deferred = Plan(TwoHost([Host1, Host2, Front], [Host1, Host2, Front]));
        var triggers = new PlanValues(deferred);

        // Every file but the YAML ones (a serializer quotes a placeholder it would not quote an address): the same text.
        var files = literal.Hosts.SelectMany(h => h.Files).Where(f => !f.HostPath.EndsWith(".yml", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        var embedding = 0;
        foreach (var file in files)
        {
            var placeholders = deferred.Hosts.SelectMany(h => h.Files).Single(f => f.HostPath == file.HostPath && f.File.Host == file.File.Host);
            Assert.Equal(file.File.Content, Deferred.Fill(placeholders.File.Content, Written));
            Assert.Equal(file.Sha256, triggers.Fill(placeholders.Sha256, Written));
            if (Deferred.KeysIn(placeholders.File.Content).Count > 0)
            {
                // A hash of the placeholders' text is not the file's: the trigger is worked out again from the filled text.
                Assert.NotEqual(file.Sha256, placeholders.Sha256);
                embedding++;
            }
        }

        Assert.True(embedding >= 6, $"{embedding} files embed an address");

        foreach (var step in literal.Steps.OfType<CommandStep>().Where(s => s.File is null || !s.File.HostPath.EndsWith(".yml", StringComparison.Ordinal)))
        {
            var placeholders = (CommandStep)deferred.Step(step.Id);
            Assert.Equal(step.Script, Deferred.Fill(placeholders.Script, Written));
            Assert.Equal(step.Ssh, placeholders.Ssh is { } ssh ? ssh with { Address = Deferred.Fill(ssh.Address, Written) } : null);
        }

        var readyTriggers = literal.Steps.OfType<CommandStep>().Where(s => s.Purpose == CommandPurpose.Ready).ToList();
        Assert.All(readyTriggers, s => Assert.Equal(s.RunsAgainWhen, ((CommandStep)deferred.Step(s.Id)).RunsAgainWhen.Select(t => triggers.Fill(t, Written))));
    }

    [Fact]
    public void An_address_declared_IPv6_is_written_as_one_in_urls_listeners_firewall_sets_and_the_docker_endpoint()
    {
        var host2 = Host2 with { Kind = DeferredKind.IPv6 };
        var plan = Plan(TwoHost([host2], [host2]));
        var placeholder = host2.Placeholder;
        string FileOf(string host, string path) => plan.Hosts.Single(h => h.Host.Name == host).Files.Single(f => f.File.Path == path).File.Content;

        Assert.Contains($"[{placeholder}]:4300", FileOf("host1", "crate-4200/crate.yml"), StringComparison.Ordinal);
        Assert.Contains($"server host2-app-9210 [{placeholder}]:9210", FileOf("host1", FilePaths.Haproxy), StringComparison.Ordinal);
        Assert.Contains("listen [::]:80;", FileOf("host2", FilePaths.Nginx), StringComparison.Ordinal);
        Assert.DoesNotContain("listen [::]:80;", FileOf("host1", FilePaths.Nginx), StringComparison.Ordinal);
        Assert.Contains("bind [::]:9100 v6only", FileOf("host2", FilePaths.Haproxy), StringComparison.Ordinal);
        var firewall = FileOf("host1", "nftables.conf");
        Assert.Contains("ipv6_addr", firewall, StringComparison.Ordinal);
        Assert.Contains(placeholder, firewall, StringComparison.Ordinal);
        Assert.Equal($"ssh://deploy@[{placeholder}]", ((EngineStep)plan.Step("host2-docker")).Endpoint);
        Assert.Contains($"acl stats_caller src 127.0.0.1 ::1 {placeholder}", FileOf("host2", FilePaths.Haproxy), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stack_file_names_another_stacks_output_where_a_value_goes()
    {
        var result = SpecLoader.LoadYaml(
            File.ReadAllText(Repo.StackFile("two-host"))
                .Replace("app: registry.example.com/microblog/app:1.0.0", "app: {fromStack: acme/build/main, output: appImage}", StringComparison.Ordinal)
                .Replace("address: 192.0.2.12", "address: {fromStack: acme/vms/prod, output: host2, family: ipv6}", StringComparison.Ordinal),
            "stacks/Pulumi.two-host.yaml", "two-host");

        var spec = result.Spec!;
        Assert.Equal(
            [
                new DeferredValue("host2.address", DeferredKind.IPv6, "the output host2 of stack acme/vms/prod") { From = new StackOutput("acme/vms/prod", "host2") },
                new DeferredValue("images.app", DeferredKind.Image, "the output appImage of stack acme/build/main") { From = new StackOutput("acme/build/main", "appImage") },
            ],
            spec.Deferred);
        Assert.Equal("{{image images.app}}", spec.Images.App);
        Assert.Equal("{{ipv6 host2.address}}", spec.Hosts[1].Address);
    }

    [Theory]
    [InlineData("{fromStack: acme/vms/prod}", "microblog:hosts[1].address.output: missing: write the name of the stack's output")]
    [InlineData("{fromStack: 'acme vms', output: host2, family: ipv4}", "microblog:hosts[1].address.fromStack: \"acme vms\" is not a stack name")]
    [InlineData("{fromStack: acme/vms/prod, output: host2, family: ipv5}", "microblog:hosts[1].address.family: an address from another stack says its family")]
    [InlineData("{fromStack: acme/vms/prod, outputs: host2, family: ipv4}", "microblog:hosts[1].address.outputs: unknown key (did you mean \"output\"?)")]
    public void A_reference_to_another_stack_is_checked_and_says_what_to_write(string reference, string error)
    {
        var result = SpecLoader.LoadYaml(
            File.ReadAllText(Repo.StackFile("two-host")).Replace("address: 192.0.2.12", $"address: {reference}", StringComparison.Ordinal),
            "stacks/Pulumi.two-host.yaml", "two-host");

        Assert.Null(result.Spec);
        Assert.Contains(result.Errors, e => $"{e.KeyPath}: {e.Message}".StartsWith(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DeferredKind.IPv4, "192.0.2.11", null)]
    [InlineData(DeferredKind.IPv4, "10.0.0.300", "is not an IPv4 address")]
    [InlineData(DeferredKind.IPv4, "2001:db8::1", "is not an IPv4 address")]
    [InlineData(DeferredKind.IPv4, "127.0.0.1", "is a loopback address")]
    [InlineData(DeferredKind.IPv4, "192.0.2.11; reboot", "is not an IPv4 address")]
    [InlineData(DeferredKind.IPv6, "2001:db8::1", null)]
    [InlineData(DeferredKind.IPv6, "192.0.2.11", "is not an IPv6 address")]
    [InlineData(DeferredKind.User, "deploy", null)]
    [InlineData(DeferredKind.User, "de'ploy", "is not a usable SSH user")]
    [InlineData(DeferredKind.Image, "registry.example.com/app@sha256:0123456789abcdef0123456789abcdef", null)]
    [InlineData(DeferredKind.Image, "App:latest", "is not a Docker image reference")]
    [InlineData(DeferredKind.Path, "/etc/ssl/private/front.pem", null)]
    [InlineData(DeferredKind.Path, "../front.pem", "is not a usable path")]
    public void A_value_is_checked_against_the_grammar_of_its_kind_when_it_arrives(DeferredKind kind, string value, string? problem)
    {
        var message = Deferred.Check(new DeferredValue("host1.x", kind, "from the test"), value);

        if (problem is null)
        {
            Assert.Null(message);
        }
        else
        {
            Assert.StartsWith("host1.x (from the test): ", message, StringComparison.Ordinal);
            Assert.Contains(problem, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_placeholder_says_what_it_stands_for_and_where_its_value_comes_from()
    {
        Assert.Equal(
            "{{ipv4 host1.address}} stands for host1.address (an IPv4 address), known only at deploy time: hosts[0].address, an output given to the test; `pulumi up` fills it in",
            Deferred.Explain(Host1));
        Assert.Equal(("host1.address", DeferredKind.IPv4), Deferred.Parse(Host1.Placeholder) is { } p ? (p.Key, p.Kind) : default);
        Assert.Null(Deferred.Parse("x" + Host1.Placeholder));
        Assert.Equal("a 192.0.2.11 b {{secret microblog:cratePassword}}", Deferred.Fill($"a {Host1.Placeholder} b {{{{secret microblog:cratePassword}}}}", Written));
    }
}
