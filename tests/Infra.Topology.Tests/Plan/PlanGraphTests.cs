using System.Text.RegularExpressions;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>The plan as a graph: every step once, each after the steps it waits for, in the orders a deployment needs.</summary>
public class PlanGraphTests
{
    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Every_step_has_its_own_id_and_comes_after_every_step_it_waits_for(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        var seen = new HashSet<string>();
        foreach (var step in plan.Steps)
        {
            Assert.All(step.After, id => Assert.True(seen.Contains(id), $"{step.Id} waits for {id}, which is not before it"));
            Assert.True(seen.Add(step.Id), $"{step.Id} twice");
        }
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Every_instance_is_one_container_on_its_hosts_engine_and_every_file_is_written_once(string stack)
    {
        var topology = Repo.Topology(stack);
        var plan = Planner.Plan(topology);

        var containers = plan.Steps.OfType<ContainerStep>().ToList();
        Assert.Equal(topology.Instances.Select(i => i.Name).Order(), containers.Select(c => c.Service).Order());
        Assert.All(containers, c => Assert.Equal(c.Host, ((EngineStep)plan.Step(c.Engine)).Host));

        var written = plan.Steps.OfType<CommandStep>().Where(c => c.Purpose == CommandPurpose.WriteFile).Select(c => (c.Host, c.File!.File.Path)).ToList();
        var files = Render.All(topology, RunMode.Containers).Select(f => (Host: (string?)f.Host, f.Path)).ToList();
        Assert.Equal(files.Order(), written.Order());
    }

    [Fact]
    public void Two_hosts_containers_and_file_writes_are_exactly_these()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        Assert.Equal(
            [
                "host1-crate-4200 on host1-docker: host1-crate-4200-container",
                "host2-crate-4200 on host2-docker: host2-crate-4200-container",
                "host1-app-9210 on host1-docker: host1-app-9210-container",
                "host2-app-9210 on host2-docker: host2-app-9210-container",
                "host1-haproxy on host1-docker: host1-haproxy-container",
                "host2-haproxy on host2-docker: host2-haproxy-container",
                "host1-nginx on host1-docker: host1-nginx-container",
                "host2-nginx on host2-docker: host2-nginx-container",
                "front-lb on front-docker: front-lb-container",
            ],
            plan.Steps.OfType<ContainerStep>().Select(c => $"{c.Service} on {c.Engine}: {c.Id}"));
        // The app's config carries the CrateDB password: the app's user (microblog:appUser) alone reads it.
        Assert.Equal(
            [
                "front /etc/microblog/two-host/lb/haproxy.cfg 0644 root",
                "front /etc/microblog/two-host/nftables.conf 0644 root",
                "host1 /etc/microblog/two-host/app-9210/app.conf 0600 10001:10001",
                "host1 /etc/microblog/two-host/crate-4200/crate.yml 0644 root",
                "host1 /etc/microblog/two-host/haproxy/haproxy.cfg 0644 root",
                "host1 /etc/microblog/two-host/nftables.conf 0644 root",
                "host1 /etc/microblog/two-host/nginx/nginx.conf 0644 root",
                "host2 /etc/microblog/two-host/app-9210/app.conf 0600 10001:10001",
                "host2 /etc/microblog/two-host/crate-4200/crate.yml 0644 root",
                "host2 /etc/microblog/two-host/haproxy/haproxy.cfg 0644 root",
                "host2 /etc/microblog/two-host/nftables.conf 0644 root",
                "host2 /etc/microblog/two-host/nginx/nginx.conf 0644 root",
            ],
            plan.Steps.OfType<CommandStep>()
                .Where(c => c.Purpose == CommandPurpose.WriteFile)
                .Select(c => $"{c.Host} {c.File!.HostPath} {Regex.Match(c.Script, @"&& chmod (\d{4}) ").Groups[1].Value} {c.File.Owner ?? "root"}")
                .Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Every_file_write_sends_the_rendered_content_on_stdin_and_runs_again_when_it_changes(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        foreach (var write in plan.Steps.OfType<CommandStep>().Where(c => c.Purpose == CommandPurpose.WriteFile))
        {
            if (write.File!.HoldsSecrets)
            {
                // Only the secret travels on stdin; the rest of the file is in the script, where a preview shows it.
                Assert.Equal(string.Concat(Secrets.KeysIn(write.File.File.Content).Select(k => Secrets.Placeholder(k) + "\n")), write.Stdin);
                Assert.All(write.File.File.Content.Split(Secrets.Placeholder(Secrets.CratePasswordKey)), text => Assert.Contains(Scripts.Quote(text), Scripts.Write(write.File), StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(write.File.File.Content, write.Stdin);
            }

            // A new content is a new stdin, an update: no trigger would replace the step.
            Assert.Empty(write.Triggers);
            Assert.Empty(write.RunsAgainWhen);
            // A file with a secret gets its owner and mode before its content; any other its mode after.
            var path = $"'\\\\''{Regex.Escape(write.File.HostPath)}'\\\\''";
            Assert.Matches(write.File.HoldsSecrets ? $"chmod 0600 {path} && t=\\$\\(mktemp " : $"; \\}} && chmod 0644 {path}'$", write.Script);
            // In place (the inode a single-file mount points at), and only when the content differs.
            Assert.Contains($"{{ cmp -s \"$t\" {Scripts.Quote(write.File.HostPath)} || cat \"$t\" > {Scripts.Quote(write.File.HostPath)}; }}", Scripts.Write(write.File), StringComparison.Ordinal);
            Assert.Contains(Scripts.Quote(Scripts.Write(write.File)), write.Script, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void A_files_step_keeps_its_id_whatever_other_files_its_service_has(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        foreach (var service in plan.Services.Where(s => s.Files.Count > 0))
        {
            var ids = plan.Steps.OfType<CommandStep>().Where(c => c.Purpose == CommandPurpose.WriteFile && c.Service == service.Name).ToDictionary(c => c.File!, c => c.Id);
            Assert.Equal($"{service.Name}-config", ids[service.Files[0]]);
            // The service with its files one by one: the first alone, then each added (and without each of the others).
            for (var count = 1; count <= service.Files.Count; count++)
            {
                var fewer = service with { Files = service.Files.Take(count).ToEquatableArray() };
                Assert.All(fewer.Files, file => Assert.Equal(ids[file], StepGraph.FileStepId(fewer, file)));
            }

            foreach (var file in service.Files.Skip(1))
            {
                var without = service with { Files = service.Files.Where(f => f != file).ToEquatableArray() };
                Assert.All(without.Files, other => Assert.Equal(ids[other], StepGraph.FileStepId(without, other)));
            }
        }
    }

    [Fact]
    public void A_services_first_file_that_had_its_file_name_in_its_id_answers_to_that_id()
    {
        var plan = Planner.Plan(Repo.Topology("monitored"));
        var prometheus = plan.Services.Single(s => s.Role == Role.Prometheus);

        Assert.Equal([$"{prometheus.Name}-config-prometheus.yml"], plan.Step($"{prometheus.Name}-config").FormerIds);
        Assert.Empty(plan.Step($"{prometheus.Name}-config-alerts.yml").FormerIds);
        // The plan before, as its state records it, is the same resource under the new id: nothing is created or deleted.
        var before = plan.Steps.Select(s => s.Id == $"{prometheus.Name}-config" ? s with { Id = $"{prometheus.Name}-config-prometheus.yml", FormerIds = [] } : s).ToList();
        Assert.Empty(PlanChanges.Compare(before, [], plan.Steps));
    }

    [Fact]
    public void Remote_host_work_runs_over_ssh_as_the_stack_user_and_root_work_through_sudo()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        var write = (CommandStep)plan.Step("host2-app-9210-config");
        Assert.Equal(new SshTarget("192.0.2.12", "deploy", 22), write.Ssh);
        Assert.StartsWith("sudo -n sh -c 'umask 077 && mkdir -p '\\''/etc/microblog/two-host/app-9210'\\''", write.Script, StringComparison.Ordinal);
        // Docker commands run as the SSH user, who is in the docker group.
        Assert.Equal("docker kill --signal=USR2 -- 'host2-haproxy'", ((CommandStep)plan.Step("host2-haproxy-reload")).Script);
        Assert.Equal("docker kill --signal=HUP -- 'host2-nginx'", ((CommandStep)plan.Step("host2-nginx-reload")).Script);
        var restart = ((CommandStep)plan.Step("host2-app-9210-restart")).Script;
        // Only a container that started before its newest config file is restarted.
        Assert.StartsWith("if [ \"$(stat -c %Y '/etc/microblog/two-host/app-9210/app.conf' | sort -n | tail -n 1)\" -gt \"$(date -d \"$(docker inspect -f '{{.State.StartedAt}}' -- 'host2-app-9210')\" +%s)\" ]; then docker restart -- 'host2-app-9210' && (", restart, StringComparison.Ordinal);
        // The admin network is made through the host's Docker engine, as the SSH user.
        Assert.StartsWith("docker network inspect microblog-admin", ((CommandStep)plan.Step("host2-prepare-crate-admin-network")).Script, StringComparison.Ordinal);
        // The front door is checked from the operator's machine, as clients meet it.
        Assert.Null(((CommandStep)plan.Step("check-front-door-front-lb")).Ssh);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("single-host")]
    public void Localhost_stacks_run_every_command_on_the_operators_machine_and_write_the_firewall_without_applying_it(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        Assert.All(plan.Steps.OfType<CommandStep>(), c => Assert.Null(c.Ssh));
        Assert.DoesNotContain(plan.Steps.OfType<CommandStep>(), c => c.Purpose == CommandPurpose.ApplyFirewall);
        Assert.Contains("localhost-nftables-config", plan.Steps.Select(s => s.Id));
    }

    [Theory]
    [InlineData("two-host")]
    [InlineData("three-host")]
    [InlineData("split-role")]
    public void A_hosts_firewall_is_applied_before_any_of_its_containers_is_created(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        foreach (var container in plan.Steps.OfType<ContainerStep>())
        {
            Assert.Contains($"{container.Host}-nftables-apply", Upstream(plan, container.Id));
            Assert.Contains($"{container.Host}-prepare-config-dir", container.After);
        }
    }

    [Fact]
    public void Containers_roll_out_one_at_a_time_data_tier_first_front_door_last()
    {
        var plan = Planner.Plan(Repo.Topology("three-host"));

        var order = plan.Steps.OfType<ContainerStep>().Select(c => c.Service).ToList();
        Assert.Equal(
        [
            "host1-crate-4200", "host2-crate-4200", "host3-crate-4200",
            "host1-app-9210", "host2-app-9210", "host3-app-9210",
            "host1-haproxy", "host2-haproxy", "host3-haproxy",
            "host1-nginx", "host2-nginx", "host3-nginx",
            "front-lb",
        ], order);
        // Each container waits for the last step of the one before it: its ready check, then its reload or restart.
        // A node's guard (its graceful stop when deleted, its rejoin when created) follows its own container.
        Assert.Contains("host1-crate-4200-restart", plan.Step("host2-crate-4200-container").After);
        Assert.Equal(["host2-crate-4200-container"], plan.Step("host2-crate-4200-ready").After);
        // Between the data tier and the apps: the apps' CrateDB user, once the cluster has formed.
        Assert.Equal(["host3-crate-4200-restart"], plan.Step(StepGraph.AppUserStep).After);
        Assert.Contains(StepGraph.AppUserStep, plan.Step("host1-app-9210-container").After);
        Assert.Contains("host1-app-9210-restart", plan.Step("host2-app-9210-container").After);
        Assert.Contains("host3-haproxy-reload", plan.Step("host1-nginx-container").After);
        Assert.Equal(["host1-app-9210-config", "host1-app-9210-ready"], plan.Step("host1-app-9210-restart").After);
        for (var i = 1; i < order.Count; i++)
        {
            Assert.Contains($"{order[i - 1]}-ready", Upstream(plan, $"{order[i]}-container"));
        }
    }

    [Fact]
    public void Two_apps_on_one_host_restart_one_after_the_other()
    {
        var plan = Planner.Plan(Repo.Topology("single-host"));

        Assert.Contains("localhost-app-9210-restart", Upstream(plan, "localhost-app-9211-restart"));
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void The_checks_run_after_everything_settled_and_again_whenever_a_file_or_image_changes(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        var checks = plan.Steps.OfType<CommandStep>().Where(c => c.Purpose == CommandPurpose.Check).ToList();
        Assert.NotEmpty(checks);
        Assert.All(checks, c =>
        {
            Assert.Subset(c.After.ToHashSet(), plan.Steps.OfType<ContainerStep>().Select(s => s.Id).ToHashSet());
            Assert.Subset(c.RunsAgainWhen.ToHashSet(), plan.Hosts.SelectMany(h => h.Files).Select(f => f.Sha256).ToHashSet());
            Assert.Subset(c.RunsAgainWhen.ToHashSet(), plan.Services.Select(s => s.Container.Image).ToHashSet());
        });
    }

    [Fact]
    public void Devs_checks_wait_for_its_containers_their_ready_and_restart_steps_and_the_app_user()
    {
        var plan = Planner.Plan(Repo.Topology("dev"));
        var hash = plan.Hosts.Single().Files.ToDictionary(f => f.File.Path, f => f.Sha256);

        foreach (var id in new[] { "check-crate-cluster", "check-front-door-localhost-app-9210" })
        {
            var check = (CommandStep)plan.Step(id);
            Assert.Equal(
                [
                    "localhost-crate-4200-container", "localhost-crate-4200-ready", "localhost-crate-4200-restart", "crate-app-user",
                    "localhost-app-9210-container", "localhost-app-9210-ready", "localhost-app-9210-restart",
                ],
                check.After);
            Assert.Equal(
                [hash["app-9210/app.conf"], hash["crate-4200/crate.yml"], hash["nftables.conf"], "registry.example.com/microblog/app:1.0.0", StackSpec.DefaultImages.Crate],
                check.RunsAgainWhen);
        }
    }

    [Fact]
    public void The_cluster_check_runs_as_the_superuser_from_the_admin_network_on_the_first_nodes_host()
    {
        var plan = Planner.Plan(Repo.Topology("three-host"));

        var check = (CommandStep)plan.Step("check-crate-cluster");
        Assert.Equal("host1", check.Host);
        Assert.StartsWith("{ image=$(docker inspect -f '{{.Image}}' -- 'host1-crate-4200') || ", check.Script, StringComparison.Ordinal);
        Assert.Contains("docker run --rm --network microblog-admin --cap-drop NET_RAW --entrypoint sh \"$image\" -c 'for i in", check.Script, StringComparison.Ordinal);
        Assert.Contains("http://169.254.77.1:4200/_sql", check.Script, StringComparison.Ordinal);
        // By name: nodes that leave in the same update are still listed when the check runs (they go at its end).
        Assert.Contains("select name from sys.nodes", check.Script, StringComparison.Ordinal);
        Assert.Contains("for n in '\\''\"host1-crate-4200\"'\\'' '\\''\"host2-crate-4200\"'\\'' '\\''\"host3-crate-4200\"'\\''; do", check.Script, StringComparison.Ordinal);
        Assert.Contains("http://192.0.2.10:80/health", ((CommandStep)plan.Step("check-front-door-front-lb")).Script, StringComparison.Ordinal);
    }

    [Fact]
    public void Crate_hosts_get_the_mmap_count_and_each_node_a_data_volume_and_heap()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        Assert.Contains("vm.max_map_count=262144", ((CommandStep)plan.Step("host1-prepare-max-map-count")).Script, StringComparison.Ordinal);
        Assert.DoesNotContain("front-prepare-max-map-count", plan.Steps.Select(s => s.Id));
        var volume = (VolumeStep)plan.Step("host1-crate-4200-data");
        Assert.Equal("host1-crate-4200-data", volume.Name);
        Assert.True(volume.RetainOnDelete);
        var crate = ((ContainerStep)plan.Step("host1-crate-4200-container")).Spec;
        Assert.Contains(new Mount(MountKind.Volume, "host1-crate-4200-data", "/data", ReadOnly: false), crate.Mounts);
        Assert.Equal(["CRATE_HEAP_SIZE=2g"], crate.Environment);
        Assert.Contains("host1-crate-4200-data", plan.Step("host1-crate-4200-container").After);
    }

    [Fact]
    public void Adding_a_host_changes_no_existing_container_only_files_and_the_steps_they_trigger()
    {
        // Two-host's file read as stack three-host, as `infra diff` does: one stack gaining a host.
        var two = Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadYaml(File.ReadAllText(Repo.StackFile("two-host")), "stacks/Pulumi.three-host.yaml", "three-host").Spec!));
        var three = Planner.Plan(Repo.Topology("three-host"));

        var changes = PlanChanges.Compare(two, three);

        Assert.DoesNotContain(changes, c => c.Change is StepChangeKind.Delete);
        // Only the firewalls are replaced (and the gate that orders their versions, which runs nothing): each new one opens
        // to host3 at once, each old one goes at the end, withdrawing nothing.
        Assert.All(changes.Where(c => c.Change is StepChangeKind.Replace or StepChangeKind.Retire), c => Assert.Contains(((CommandStep)c.Step).Purpose, new[] { CommandPurpose.ApplyFirewall, CommandPurpose.Gate }));
        Assert.All(changes.Where(c => c.Change == StepChangeKind.Run), c => Assert.Contains(((CommandStep)c.Step).Purpose, new[] { CommandPurpose.WriteFile, CommandPurpose.Reload, CommandPurpose.Restart, CommandPurpose.Check, CommandPurpose.Ready, CommandPurpose.Decommission }));
        Assert.Contains(changes, c => c.Step.Id == "host1-haproxy-reload" && c.Change == StepChangeKind.Run && c.Effect == "reload host1-haproxy (no dropped requests)");
        Assert.Contains(changes, c => c.Step.Id == "host3-app-9210-container" && c.Change == StepChangeKind.Create);
        Assert.Contains(changes, c => c.Step.Id == "host1-nftables-apply" && c.Change == StepChangeKind.Replace &&
            c.Effect == "open on host1: haproxy_hosts 192.0.2.13; app_hosts 192.0.2.13; crate_hosts 192.0.2.13 (added to the rules in force; nothing is withdrawn before the end of the update)");
        Assert.Contains(changes, c => c.Step.Id == "host1-nftables-apply" && c.Change == StepChangeKind.Retire && c.Effect.StartsWith("withdraw on host1: nothing", StringComparison.Ordinal));
    }

    /// <summary>Every step <paramref name="id"/> waits for, directly or through others.</summary>
    internal static HashSet<string> Upstream(DeploymentPlan plan, string id)
    {
        var found = new HashSet<string>();
        var pending = new Stack<string>(plan.Step(id).After);
        while (pending.TryPop(out var next))
        {
            if (found.Add(next))
            {
                foreach (var before in plan.Step(next).After)
                {
                    pending.Push(before);
                }
            }
        }

        return found;
    }
}
