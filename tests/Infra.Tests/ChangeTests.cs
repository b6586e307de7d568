using Infra.Tests.Support;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Tests;

/// <summary>What a change to the topology does to resources that already exist: configs change, containers do not.</summary>
public class ChangeTests
{
    [Fact]
    public async Task Adding_a_host_to_two_host_keeps_every_existing_container_and_changes_only_file_writes_their_applies_and_the_checks()
    {
        var config = PulumiConfigOf.StackFile(Repo.StackFile("two-host"));
        var before = (await Deploy.Config("two-host", config)).InputsById;
        var grown = new Dictionary<string, string>(config)
        {
            ["microblog:hosts"] = config["microblog:hosts"].TrimEnd(']') + """,{"name":"host3","address":"192.0.2.13"}]""",
        };
        var after = (await Deploy.Config("two-host", grown)).InputsById;
        var plan = Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadPulumiConfig(grown, "two-host").Spec!));

        Assert.Empty(before.Keys.Except(after.Keys));
        var steps = before.Keys.Where(plan.Steps.Select(s => s.Id).Contains).Select(plan.Step).ToList();
        Assert.All(steps.OfType<ContainerStep>(), c => Assert.Equal(before[c.Id], after[c.Id]));

        var changed = steps
            .Where(s => before[s.Id] != after[s.Id])
            .ToDictionary(s => s, s => Canonical.DifferingKeys(before[s.Id], after[s.Id]));
        Assert.All(changed, c => Assert.True(MayChange(plan, c.Key, c.Value), $"{c.Key.Id} changed in {string.Join(", ", c.Value)}"));

        // The new host shows up in every existing host's backends, seeds and firewall: those files and what applies them change.
        Assert.Contains(changed.Keys, s => s.Id == "host1-haproxy-config");
        Assert.Contains(changed.Keys, s => s.Id == "host1-haproxy-reload");
        Assert.Contains(changed.Keys, s => s.Id == "host2-app-9210-restart");
        Assert.Contains(changed.Keys, s => s.Id == "front-lb-config");
        Assert.Contains(changed.Keys, s => s.Id == "host1-nftables-apply");
        Assert.Contains(changed.Keys, s => s.Id == StepGraph.AccessOpenedStep);
        Assert.Contains("host3-app-9210-container", after.Keys);
    }

    [Fact]
    public async Task Switching_the_same_hosts_from_colocated_to_split_role_gives_the_split_role_resource_set()
    {
        var colocated = PulumiConfigOf.StackFile(Repo.StackFile("three-host"));
        var split = new Dictionary<string, string>(colocated)
        {
            ["microblog:layout"] = "split-role",
            ["microblog:hosts"] = """
                [{"name":"host1","address":"192.0.2.11","roles":["proxy"]},
                 {"name":"host2","address":"192.0.2.12","roles":["app"]},
                 {"name":"host3","address":"192.0.2.13","roles":["crate"]}]
                """,
        };

        var deployed = await Deploy.Config("three-host", split);

        string[] expected =
        [
            "microblog:infra:Topology microblog",
            "command:remote:Command check-crate-cluster",
            "command:local:Command check-front-door-front-lb",
            "command:local:Command firewalls-opened",
            "command:local:Command destroy-guard",
            "microblog:infra:HostStack front",
            "pulumi:providers:docker front-docker",
            "command:remote:Command front-prepare-config-dir",
            "command:remote:Command front-nftables-config",
            "command:remote:Command front-nftables-apply",
            "docker:index/remoteImage:RemoteImage front-image-haproxy",
            "microblog:infra:HaproxyBalancer front-lb",
            "docker:index/container:Container front-lb-container",
            "command:remote:Command front-lb-config",
            "command:remote:Command front-lb-ready",
            "command:remote:Command front-lb-reload",
            "microblog:infra:HostStack host1",
            "pulumi:providers:docker host1-docker",
            "command:remote:Command host1-prepare-config-dir",
            "command:remote:Command host1-nftables-config",
            "command:remote:Command host1-nftables-apply",
            "docker:index/remoteImage:RemoteImage host1-image-nginx",
            "docker:index/remoteImage:RemoteImage host1-image-haproxy",
            "microblog:infra:NginxProxy host1-nginx",
            "docker:index/container:Container host1-nginx-container",
            "command:remote:Command host1-nginx-config",
            "command:remote:Command host1-nginx-ready",
            "command:remote:Command host1-nginx-reload",
            "microblog:infra:HaproxyBalancer host1-haproxy",
            "docker:index/container:Container host1-haproxy-container",
            "command:remote:Command host1-haproxy-config",
            "command:remote:Command host1-haproxy-ready",
            "command:remote:Command host1-haproxy-reload",
            "microblog:infra:HostStack host2",
            "pulumi:providers:docker host2-docker",
            "command:remote:Command host2-prepare-config-dir",
            "command:remote:Command host2-nftables-config",
            "command:remote:Command host2-nftables-apply",
            "docker:index/remoteImage:RemoteImage host2-image-app",
            "microblog:infra:AppInstance host2-app-9210",
            "docker:index/container:Container host2-app-9210-container",
            "command:remote:Command host2-app-9210-config",
            "command:remote:Command host2-app-9210-ready",
            "command:remote:Command host2-app-9210-restart",
            "microblog:infra:HostStack host3",
            "pulumi:providers:docker host3-docker",
            "command:remote:Command host3-prepare-config-dir",
            "command:remote:Command host3-nftables-config",
            "command:remote:Command host3-nftables-apply",
            "command:remote:Command host3-prepare-crate-admin-network",
            "command:remote:Command host3-prepare-max-map-count",
            "docker:index/remoteImage:RemoteImage host3-image-crate",
            "microblog:infra:CrateNode host3-crate-4200",
            "docker:index/container:Container host3-crate-4200-container",
            "command:remote:Command host3-crate-4200-config",
            "command:remote:Command host3-crate-4200-ready",
            "command:remote:Command host3-crate-4200-restart",
            "command:remote:Command host3-crate-4200-decommission",
            "docker:index/volume:Volume host3-crate-4200-data",
            "command:remote:Command crate-app-user",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), deployed.Declared.Select(d => $"{d.Type} {(d.Name.StartsWith(Deploy.Prefix, StringComparison.Ordinal) ? d.Name[Deploy.Prefix.Length..] : d.Name)}").Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Files change their content, and what applies them its triggers; the checks expect more nodes and hashes, and
    /// each CrateDB node's ready and restart steps ask every node of the grown cluster, and what decommissions a node
    /// (its delete script: nothing runs now) knows the new nodes and master-eligible set.
    /// </summary>
    /// <summary>Only a firewall and its gate change in their triggers (a replacement); every other step in what updates it.</summary>
    private static bool MayChange(DeploymentPlan plan, Step step, IReadOnlyList<string> keys) => step switch
    {
        // A file's content is its stdin; a file with a secret has its other text in its script.
        CommandStep { Purpose: CommandPurpose.WriteFile, File.HoldsSecrets: true } => keys.All(k => k is "create"),
        CommandStep { Purpose: CommandPurpose.WriteFile } => keys.All(k => k is "stdin"),
        CommandStep { Purpose: CommandPurpose.Restart } when plan.Services.Single(s => s.Name == step.Service).Role == Role.Crate => keys.All(k => k is "create" or "stdin"),
        CommandStep { Purpose: CommandPurpose.ApplyFirewall or CommandPurpose.Gate } => keys.All(k => k is "triggers"),
        CommandStep { Purpose: CommandPurpose.Reload or CommandPurpose.Restart } => keys.All(k => k is "stdin"),
        CommandStep { Purpose: CommandPurpose.Decommission } => keys.All(k => k is "delete"),
        CommandStep { Purpose: CommandPurpose.Check } => keys.All(k => k is "create" or "stdin"),
        CommandStep { Purpose: CommandPurpose.Ready } when plan.Services.Single(s => s.Name == step.Service).Role == Role.Crate => keys.All(k => k is "create"),
        _ => false,
    };
}
