using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

public class ValidationTests
{
    private static List<Diagnostic> Errors(string stack, Func<string, string> edit)
    {
        var result = Repo.LoadEdited(stack, edit);
        Assert.Null(result.Spec);
        return result.Errors.ToList();
    }

    private static Diagnostic ErrorAt(string stack, string keyPath, Func<string, string> edit)
    {
        var errors = Errors(stack, edit);
        return Assert.Single(errors, e => e.KeyPath == keyPath);
    }

    [Fact]
    public void Unknown_layout_lists_the_layouts_and_suggests_the_closest()
    {
        var error = ErrorAt("two-host", "microblog:layout", t => t.Replace("layout: colocated", "layout: colocatd"));

        Assert.Contains("unknown layout \"colocatd\"", error.Message);
        Assert.Contains("did you mean \"colocated\"", error.Message);
        Assert.Equal("stacks/Pulumi.two-host.yaml", error.File);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Unknown_top_level_key_suggests_the_known_one()
    {
        var error = ErrorAt("two-host", "microblog:healthCheckPth", t => t.Replace("config:\n", "config:\n  microblog:healthCheckPth: /healthz\n"));

        Assert.Contains("did you mean \"microblog:healthCheckPath\"", error.Message);
    }

    [Fact]
    public void Unknown_nested_key_suggests_the_known_one()
    {
        var error = ErrorAt("two-host", "microblog:hosts[1].adress", t => t.Replace("address: 192.0.2.12", "adress: 192.0.2.12"));

        Assert.Contains("did you mean \"address\"", error.Message);
    }

    [Fact]
    public void A_misspelt_namespace_is_not_mistaken_for_a_provider_key()
    {
        var error = ErrorAt("two-host", "micrblog:layout", t => t.Replace("microblog:layout: colocated", "microblog:layout: colocated\n  micrblog:layout: colocated"));

        Assert.Contains("did you mean \"microblog:layout\"", error.Message);
    }

    [Fact]
    public void Duplicate_host_names_are_an_error()
    {
        var error = ErrorAt("two-host", "microblog:hosts[1].name", t => t.Replace("name: host2", "name: host1"));

        Assert.Contains("already the name of microblog:hosts[0]", error.Message);
        Assert.Equal((20, 13), (error.Line, error.Column));
    }

    [Fact]
    public void Duplicate_addresses_are_an_error()
    {
        var error = ErrorAt("two-host", "microblog:hosts[1].address", t => t.Replace("192.0.2.12", "192.0.2.11"));

        Assert.Contains("already the address of microblog:hosts[0]", error.Message);
    }

    [Fact]
    public void The_load_balancer_address_counts_as_a_host_address()
    {
        var error = ErrorAt("two-host", "microblog:loadBalancer.address", t => t.Replace("192.0.2.11", "192.0.2.10"));

        Assert.Contains("already the address of microblog:hosts[0]", error.Message);
    }

    [Theory]
    [InlineData("10.0.0.300")]
    [InlineData("192.0.2")]
    [InlineData("host_1.example")]
    [InlineData("fe80::zz")]
    public void Malformed_addresses_are_an_error(string address)
    {
        var error = ErrorAt("two-host", "microblog:hosts[1].address", t => t.Replace("192.0.2.12", address));

        Assert.Contains($"\"{address}\" is not an IP", error.Message);
    }

    [Theory]
    [InlineData("10.0.0.30")]
    [InlineData("2001:db8::12")]
    public void Well_formed_addresses_and_names_are_accepted(string address)
    {
        var result = Repo.LoadEdited("two-host", t => t.Replace("192.0.2.12", address));

        Assert.True(result.Ok, string.Join("\n", result.Errors));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    public void A_port_outside_the_valid_range_is_an_error(string port)
    {
        var error = ErrorAt("two-host", "microblog:ports.app", t => t.Replace("config:\n", $"config:\n  microblog:ports:\n    app: {port}\n"));

        Assert.Contains("outside 1-65535", error.Message);
    }

    [Fact]
    public void A_dns_name_is_refused_because_firewall_rules_need_addresses()
    {
        var error = ErrorAt("two-host", "microblog:hosts[1].address", t => t.Replace("192.0.2.12", "db-1.internal.example.com"));

        Assert.Contains("is a DNS name", error.Message);
        Assert.Contains("write the host's IP address", error.Message);
    }

    [Fact]
    public void A_port_that_is_not_a_number_is_an_error()
    {
        var error = ErrorAt("two-host", "microblog:ports.app", t => t.Replace("config:\n", "config:\n  microblog:ports:\n    app: http\n"));

        Assert.Contains("not a whole number", error.Message);
    }

    [Fact]
    public void An_instance_range_running_past_the_last_port_is_an_error()
    {
        var error = ErrorAt("single-host", "microblog:hosts[0].instances.app",
            t => t.Replace("config:\n", "config:\n  microblog:ports:\n    app: 65535\n"));

        Assert.Contains("port 65536", error.Message);
    }

    [Fact]
    public void A_port_base_override_that_collides_with_another_role_is_an_error()
    {
        var error = ErrorAt("two-host", "microblog:ports.app", t => t.Replace("config:\n", "config:\n  microblog:ports:\n    app: 4200\n"));

        Assert.Contains("port 4200 is wanted twice", error.Message);
        Assert.Contains("crateHttp", error.Message);
    }

    [Fact]
    public void Instance_counts_that_grow_into_the_next_range_collide()
    {
        // 101 crate nodes on one host: http 4200..4300 runs into transport 4300.
        var error = ErrorAt("single-host", "microblog:hosts[0].instances", t => t.Replace("crate: 2", "crate: 101"));

        Assert.Contains("port 4300 is wanted twice", error.Message);
    }

    [Fact]
    public void Zero_app_instances_is_an_error()
    {
        var error = ErrorAt("single-host", "microblog:hosts[0].instances.app", t => t.Replace("app: 2", "app: 0"));

        Assert.Contains("zero app instances", error.Message);
    }

    [Fact]
    public void Zero_crate_nodes_is_an_error()
    {
        var error = ErrorAt("single-host", "microblog:hosts[0].instances.crate", t => t.Replace("crate: 2", "crate: 0"));

        Assert.Contains("zero CrateDB nodes", error.Message);
    }

    [Fact]
    public void A_split_role_stack_missing_a_role_is_an_error()
    {
        var errors = Errors("split-role", t => t.Replace("roles: [crate]", "roles: [app]"));

        Assert.Contains(errors, e => e.KeyPath == "microblog:hosts" && e.Message.Contains("no host has the crate role"));
    }

    [Fact]
    public void A_split_role_host_without_roles_is_an_error()
    {
        var error = ErrorAt("split-role", "microblog:hosts[0].roles", t => t.Replace("      roles: [proxy]\n    - name: rp-host2", "    - name: rp-host2"));

        Assert.Contains("split-role host says what it runs", error.Message);
    }

    [Fact]
    public void An_unknown_role_suggests_the_closest()
    {
        var error = ErrorAt("split-role", "microblog:hosts[2].roles[0]", t => t.Replace("roles: [app]\n    - name: app-host2", "roles: [ap]\n    - name: app-host2"));

        Assert.Contains("did you mean \"app\"", error.Message);
    }

    [Fact]
    public void Roles_on_a_colocated_host_are_an_error()
    {
        var error = ErrorAt("two-host", "microblog:hosts[0].roles", t => t.Replace("address: 192.0.2.11", "address: 192.0.2.11\n      roles: [app]"));

        Assert.Contains("use `layout: split-role`", error.Message);
    }

    [Fact]
    public void Asking_for_multicast_discovery_explains_that_crate_removed_it()
    {
        var error = ErrorAt("two-host", "microblog:crate.discovery", t => t.Replace("heapSize: 2g", "heapSize: 2g\n    discovery: multicast"));

        Assert.Contains("multicast discovery was removed from CrateDB", error.Message);
        Assert.Contains("discovery.seed_hosts", error.Message);
    }

    [Fact]
    public void A_production_layout_needs_a_load_balancer()
    {
        var error = ErrorAt("two-host", "microblog:loadBalancer", t => t.Replace("  microblog:loadBalancer:\n    name: front\n    address: 192.0.2.10\n", ""));

        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void A_single_host_layout_takes_exactly_one_host()
    {
        var error = ErrorAt("single-host", "microblog:hosts",
            t => t + "    - name: other\n      address: 127.0.0.2\n");

        Assert.Contains("exactly one host", error.Message);
    }

    [Fact]
    public void A_missing_app_image_is_an_error()
    {
        var error = ErrorAt("dev", "microblog:images.app", t => t.Replace("  microblog:images:\n    app: registry.example.com/microblog/app:1.0.0\n", ""));

        Assert.Contains("container image of your app", error.Message);
    }

    [Fact]
    public void A_two_node_crate_cluster_is_a_warning_not_an_error()
    {
        var result = SpecLoader.LoadFile(Repo.StackFile("two-host"));

        Assert.True(result.Ok);
        Assert.Contains(result.Warnings, w => w.Message.Contains("2 master-eligible CrateDB nodes cannot survive"));
        Assert.DoesNotContain(SpecLoader.LoadFile(Repo.StackFile("three-host")).Warnings, w => w.Message.Contains("master-eligible"));
    }

    [Theory]
    [InlineData(0, "at least one master-eligible node")]
    [InlineData(4, "the stack has 3 CrateDB nodes: write at most 3")]
    public void A_master_count_the_cluster_cannot_have_is_an_error(int masters, string message)
    {
        var result = Repo.LoadEdited("three-host", yaml => yaml.Replace("    heapSize: 2g\n", $"    heapSize: 2g\n    masterNodes: {masters}\n", StringComparison.Ordinal));

        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:crate.masterNodes", error.KeyPath);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_production_layout_with_one_nginx_warns_about_redundancy()
    {
        var result = Repo.LoadEdited("two-host", t => t.Replace("    - name: host2\n      address: 192.0.2.12\n", ""));

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Contains(result.Warnings, w => w.Message.Contains("only one nginx"));
        Assert.DoesNotContain(SpecLoader.LoadFile(Repo.StackFile("two-host")).Warnings, w => w.Message.Contains("only one nginx"));
    }

    [Fact]
    public void A_stack_with_five_mistakes_reports_all_five_with_key_paths_in_one_run()
    {
        var errors = Errors("two-host", t => t
            .Replace("layout: colocated", "layout: colocated\n  microblog:clusterNmae: x")
            .Replace("name: host2", "name: host1")
            .Replace("192.0.2.12", "10.0.0.300")
            .Replace("heapSize: 2g", "heapSize: 2g\n    discovery: multicast")
            .Replace("config:\n", "config:\n  microblog:ports:\n    haproxy: 99999\n"));

        Assert.Equal(
            ["microblog:clusterNmae", "microblog:crate.discovery", "microblog:hosts[1].address", "microblog:hosts[1].name", "microblog:ports.haproxy"],
            errors.Select(e => e.KeyPath).Order(StringComparer.Ordinal));
        Assert.All(errors, e => Assert.StartsWith("stacks/Pulumi.two-host.yaml", e.ToString()));
    }
}
