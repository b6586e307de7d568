using System.Collections.Immutable;
using Infra.Tests.Support;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Moq;
using Pulumi;
using Pulumi.Testing;

namespace Infra.Tests;

/// <summary>The stack as an operator meets it: config in, errors or outputs out.</summary>
public class StackTests
{
    [Fact]
    public async Task An_invalid_stack_fails_with_every_one_of_the_cores_messages_and_registers_nothing()
    {
        var config = PulumiConfigOf.StackFile(Repo.StackFile("two-host"));
        config["microblog:layout"] = "colocatd";
        config["microblog:hosts"] = """[{"name":"host1","address":"10.0.0.300"},{"name":"host1","address":"192.0.2.12"}]""";
        var mocks = new Mock<IMocks>();

        var error = await Assert.ThrowsAsync<RunException>(() => Deploy.Config("two-host", config, mocks.Object));

        Assert.Equal(
            [
                "stacks/Pulumi.two-host.yaml: error: microblog:layout: unknown layout \"colocatd\": write one of dev, single-host, colocated, split-role (did you mean \"colocated\"?)",
                "stacks/Pulumi.two-host.yaml: error: microblog:hosts[0].address: \"10.0.0.300\" is not an IP address or host name (an IPv4 address is four numbers 0-255, e.g. 192.0.2.11)",
                "stacks/Pulumi.two-host.yaml: error: microblog:hosts[1].name: \"host1\" is already the name of microblog:hosts[0]: host names must be unique",
            ],
            error.Message.Split('\n'));
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    [Fact]
    public async Task A_typo_in_a_key_of_the_stack_file_is_an_error_not_a_silently_ignored_key()
    {
        var project = Directory.CreateTempSubdirectory("microblog-project-");
        try
        {
            // The project as the CLI runs it: Pulumi.yaml, and the stack file under its stackConfigDir.
            File.WriteAllText(Path.Combine(project.FullName, "Pulumi.yaml"), File.ReadAllText(Path.Combine(Repo.Root, "Pulumi.yaml")));
            var stackFile = Path.Combine(project.CreateSubdirectory("stacks").FullName, "Pulumi.dev.yaml");
            File.WriteAllText(stackFile, File.ReadAllText(Repo.StackFile("dev")) + "  microblg:layout: dev\n  microblog:hostz: []\n");
            var mocks = new Mock<IMocks>();

            var error = await Assert.ThrowsAsync<RunException>(() =>
                Deploy.Config("dev", PulumiConfigOf.StackFile(stackFile), mocks.Object, rootDirectory: project.FullName));

            Assert.Contains("microblg:layout: unknown key (did you mean \"microblog:layout\"?)", error.Message, StringComparison.Ordinal);
            Assert.Contains("microblog:hostz: unknown key (did you mean \"microblog:hosts\"?)", error.Message, StringComparison.Ordinal);
            mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
        }
        finally
        {
            project.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_project_folder_as_in_an_inline_program_every_known_key_is_read_and_the_stack_deploys()
    {
        // The SDK cannot list an inline program's keys: a misspelt one goes unreported, and nothing else breaks.
        var config = PulumiConfigOf.StackFile(Repo.StackFile("dev"));
        config["microblg:layout"] = "dev";

        var deployed = await Deploy.Config("dev", config);

        Assert.Equal(Plans.Of("dev").Steps.Count, deployed.Declared.Count(d => d.Resource is CustomResource));
    }

    [Fact]
    public async Task Every_key_a_stack_file_sets_reaches_the_plan_through_the_components()
    {
        // Keys whose default the committed stacks keep: written here, each must change what is deployed as the core plans it.
        var config = PulumiConfigOf.StackFile(Repo.StackFile("three-host"));
        config["microblog:appUser"] = "20002:20002";
        config["microblog:rollout"] = "{\"maxUnavailable\":\"2\"}";
        config["microblog:crate"] = "{\"heapSize\":\"2g\",\"masterNodes\":1}";
        config["microblog:healthCheckPath"] = "/up";
        config["microblog:clusterName"] = "acme-prod";
        config["microblog:destroy"] = "{\"allowed\":true,\"volumes\":\"delete\"}";

        var deployed = await Deploy.Config("three-host", config);

        var plan = Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadPulumiConfig(config, "three-host").Spec!));
        Assert.Equal(plan.Steps.Select(s => Deploy.Name(s.Id)).Order(), deployed.Declared.Where(d => d.Resource is CustomResource).Select(d => d.Name).Order());
        Assert.All(plan.Steps, step => Assert.Equal(Canonical.Pretty(StepInputs.Of(step, plan, Deploy.Prefix)), Canonical.Pretty(deployed.Inputs[Deploy.Name(step.Id)])));
        Assert.Contains("\"user\":\"20002:20002\"", deployed.InputsById["host1-app-9210-container"], StringComparison.Ordinal);
        // Three apps two at a time: a wave of two has its gate, where the default (25%: one at a time) has none.
        Assert.DoesNotContain(Plans.Of("three-host").Steps, s => s.Id == "app-wave-1");
        Assert.Contains(deployed.Declared, d => d.Name == Deploy.Name("app-wave-1"));
        // A destroy allowed, and the CrateDB volumes go with it (the default keeps them).
        Assert.Contains("allows its destroy", deployed.InputsById["destroy-guard"], StringComparison.Ordinal);
        Assert.False(deployed.Of(Deploy.Name("host1-crate-4200-data")).Options.RetainOnDelete);
        var kept = await Deploy.Config("three-host", PulumiConfigOf.StackFile(Repo.StackFile("three-host")));
        Assert.True(kept.Of(Deploy.Name("host1-crate-4200-data")).Options.RetainOnDelete);
        Assert.Contains("refused: stack three-host does not allow its destroy", kept.InputsById["destroy-guard"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decommission_is_deleted_with_the_topology_so_a_destroy_skips_it_and_an_update_that_removes_its_node_runs_it()
    {
        var deployed = await Deploy.Config("three-host", PulumiConfigOf.StackFile(Repo.StackFile("three-host")));

        var topology = Assert.Single(deployed.Declared, d => d.Resource is Infra.Components.MicroblogTopology).Resource;
        // Each node's decommission, and its guard (its ready step, whose delete is a graceful stop).
        var decommissions = deployed.Declared.Where(d => d.Name.EndsWith("-decommission", StringComparison.Ordinal) || (d.Name.Contains("-crate-", StringComparison.Ordinal) && d.Name.EndsWith("-ready", StringComparison.Ordinal))).ToList();
        Assert.Equal(6, decommissions.Count);
        Assert.All(decommissions, d => Assert.Same(topology, d.Options.DeletedWith));
        // Nothing else is: every other delete script and resource goes as it always did.
        Assert.All(deployed.Declared.Except(decommissions), d => Assert.Null(d.Options.DeletedWith));
    }

    [Fact]
    public async Task A_stack_file_that_takes_an_address_from_another_stack_reads_it_through_a_stack_reference_and_fills_it_in()
    {
        var config = PulumiConfigOf.StackFile(Repo.StackFile("two-host"));
        config["microblog:hosts"] = config["microblog:hosts"].Replace(
            "\"192.0.2.11\"", "{\"fromStack\":\"acme/vms/prod\",\"output\":\"host1Address\",\"family\":\"ipv4\"}", StringComparison.Ordinal);
        var mocks = new RecordingMocks();
        mocks.StackOutputs["acme/vms/prod"] = new() { ["host1Address"] = "192.0.2.11" };

        var deployed = await Deploy.Config("two-host", config, mocks);

        var plan = Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadPulumiConfig(config, "two-host").Spec!));
        Assert.Contains("{{ipv4 host1.address}}", ((CommandStep)plan.Step("host2-haproxy-config")).Stdin, StringComparison.Ordinal);
        var values = new Dictionary<string, string> { ["host1.address"] = "192.0.2.11" };
        Assert.All(plan.Steps, step => Assert.Equal(Canonical.Pretty(StepInputs.Filled(step, plan, values, Deploy.Prefix)), Canonical.Pretty(deployed.Inputs[Deploy.Name(step.Id)])));
        var reference = Assert.Single(deployed.Mocks.Created, c => c.Type == "pulumi:pulumi:StackReference");
        Assert.Equal("acme/vms/prod", reference.Name);
        // The haproxy that lists host1's app gets the address the other stack holds.
        Assert.Contains("server host1-app-9210 192.0.2.11:9210", deployed.InputsById["host2-haproxy-config"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_CrateDB_password_nothing_is_registered_and_the_error_says_how_to_set_it()
    {
        var mocks = new Mock<IMocks>();

        var error = await Assert.ThrowsAsync<RunException>(() =>
            Deploy.Config("two-host", PulumiConfigOf.StackFile(Repo.StackFile("two-host")), mocks.Object, password: false));

        Assert.Contains("microblog:cratePassword: not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("pulumi config set --secret microblog:cratePassword", error.Message, StringComparison.Ordinal);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    [Fact]
    public async Task A_weak_CrateDB_password_is_refused_without_repeating_it_and_nothing_is_registered()
    {
        var config = new Dictionary<string, string>(PulumiConfigOf.StackFile(Repo.StackFile("two-host")))
        {
            ["microblog:cratePassword"] = "it's-short",
        };
        var mocks = new Mock<IMocks>();

        var error = await Assert.ThrowsAsync<RunException>(() => Deploy.Config("two-host", config, mocks.Object));

        Assert.Contains("microblog:cratePassword is not a usable password (10 characters)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("it's-short", error.Message, StringComparison.Ordinal);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    [Fact]
    public async Task The_password_reaches_only_the_app_configs_and_the_user_step_and_stays_secret_in_their_outputs()
    {
        var deployed = await Deploy.Stack("two-host");

        var carrying = deployed.InputsById.Where(kv => kv.Value.Contains(Deploy.CratePassword, StringComparison.Ordinal)).Select(kv => kv.Key).Order().ToList();
        Assert.Equal(["crate-app-user", "host1-app-9210-config", "host1-app-9210-restart", "host2-app-9210-config", "host2-app-9210-restart"], carrying);
        foreach (var name in carrying)
        {
            var options = Assert.IsType<CustomResourceOptions>(deployed.Of(Deploy.Name(name)).Options);
            Assert.Contains("stdin", options.AdditionalSecretOutputs);
        }

        var others = deployed.Declared.Where(d => !carrying.Select(Deploy.Name).Contains(d.Name) && d.Options is CustomResourceOptions).ToList();
        Assert.All(others, d => Assert.DoesNotContain("stdin", ((CustomResourceOptions)d.Options).AdditionalSecretOutputs));
        // The placeholder is gone from what the provider gets: filled in, not sent as text.
        Assert.DoesNotContain(deployed.Inputs.Values, v => v.Contains("{{secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_host_outputs_its_front_door_admin_and_stats_urls_and_services_per_host()
    {
        var deployed = await Deploy.Stack("two-host");
        var stack = deployed.Stack;

        Assert.Equal<string>(["http://192.0.2.10:80/"], await stack.FrontDoorUrls.GetValueAsync());
        Assert.Equal<string>(["http://192.0.2.11:9100/__haproxy_stats", "http://192.0.2.12:9100/__haproxy_stats"], await stack.HaproxyStatsUrls.GetValueAsync());
        Assert.Equal<string>(["http://192.0.2.11:4200/", "http://192.0.2.12:4200/"], await stack.CrateAdminUrls.GetValueAsync());

        var services = await stack.Services.GetValueAsync();
        Assert.Equal<string>(["front", "host1", "host2"], services.Keys.Order());
        Assert.Equal<int>([80], services["front"]["front-lb"]);
        Assert.Equal<string>(["host1-app-9210", "host1-crate-4200", "host1-haproxy", "host1-nginx"], services["host1"].Keys.Order());
        Assert.Equal<int>([4200, 4300, 5432], services["host1"]["host1-crate-4200"]);
        Assert.Equal<int>([9210], services["host2"]["host2-app-9210"]);
    }

    [Fact]
    public async Task Dev_outputs_the_app_as_its_front_door_and_has_no_haproxy()
    {
        var stack = (await Deploy.Stack("dev")).Stack;

        Assert.Equal<string>(["http://127.0.0.1:9210/"], await stack.FrontDoorUrls.GetValueAsync());
        Assert.Empty(await stack.HaproxyStatsUrls.GetValueAsync());
        Assert.Equal<string>(["http://127.0.0.1:4200/"], await stack.CrateAdminUrls.GetValueAsync());
        Assert.Empty(await stack.PrometheusUrls.GetValueAsync());
        Assert.Empty(await stack.AlertmanagerUrls.GetValueAsync());
    }

    [Fact]
    public async Task Monitored_outputs_its_prometheus_and_alertmanager_urls_and_runs_the_exporters_on_every_host()
    {
        var stack = (await Deploy.Stack("monitored")).Stack;

        Assert.Equal<string>(["http://192.0.2.20:9090/"], await stack.PrometheusUrls.GetValueAsync());
        Assert.Equal<string>(["http://192.0.2.20:9093/"], await stack.AlertmanagerUrls.GetValueAsync());
        var services = await stack.Services.GetValueAsync();
        Assert.Equal<string>(["front", "host1", "host2", "monitor"], services.Keys.Order());
        Assert.Equal<string>(["monitor-alertmanager", "monitor-node-exporter", "monitor-prometheus"], services["monitor"].Keys.Order());
        Assert.Equal<string>(["front-lb", "front-node-exporter"], services["front"].Keys.Order());
        Assert.Equal<int>([9113], services["host1"]["host1-nginx-exporter"]);
        Assert.Equal<int>([80], services["front"]["front-lb"]);
    }
}
