using System.Collections.Concurrent;
using System.Diagnostics;
using Infra.Lab.Session;
using Infra.Live.Tests.Harness;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// The lab's plan runner against a recording double of the hosts (no namespace, no root): it runs what `pulumi up` would
/// run, in an order Pulumi could take, side by side where the plan lets it; and it takes up after a failure.
/// </summary>
public sealed class PlanRunnerTests
{
    /// <summary>Every action of the runner: when it started and ended, on which step, what it ran.</summary>
    private sealed class RecordingTarget(Func<string, bool>? fail = null) : IDeployTarget
    {
        public ConcurrentQueue<(string Step, string What, long Start, long End)> Actions { get; } = new();

        private readonly Stopwatch _clock = Stopwatch.StartNew();

        /// <summary>The image ids the engines name, by engine step and image; every container runs the first id its image had.</summary>
        public ConcurrentDictionary<(string Engine, string Image), string> ImageIds { get; } = new();

        public ShellResult Run(CommandStep step) => Act(step.Id, step.Script);

        // The container's name is the docker command's last argument (stop, rm, start).
        public ShellResult Docker(EngineStep engine, IReadOnlyList<string> args) => args.Take(4).ToList() switch
        {
            // What the runner asks before an update, as Pulumi's RemoteImage and Container know it: one id a line.
            ["image", "inspect", "--format", "{{.Id}}"] =>
                new ShellResult("image inspect", 0, string.Concat(args.Skip(4).Select(i => ImageIds.GetValueOrDefault((engine.Id, i), "sha256:first") + "\n")), ""),
            ["container", "inspect", "--format", "{{.Image}}"] => new ShellResult("container inspect", 0, string.Concat(args.Skip(4).Select(_ => "sha256:first\n")), ""),
            _ => Act(args[^1] + "-container", string.Join(' ', args)),
        };

        public ShellResult CreateContainer(EngineStep engine, ContainerSpec spec) => Act(spec.Name + "-container", $"create {spec.Name}");

        private ShellResult Act(string step, string what)
        {
            var start = _clock.ElapsedMilliseconds;
            Thread.Sleep(40);
            Actions.Enqueue((step, what, start, _clock.ElapsedMilliseconds));
            return fail?.Invoke(step) == true ? new ShellResult(what, 1, "", "made to fail") : new ShellResult(what, 0, "", "");
        }

        /// <summary>The most actions on matching steps that were under way at one moment.</summary>
        public int MostAtOnce(Func<string, bool> steps)
        {
            var spans = Actions.Where(a => steps(a.Step)).ToList();
            return spans.Count == 0 ? 0 : spans.Max(a => spans.Count(b => b.Start < a.End && a.Start < b.End));
        }
    }

    [Fact]
    public void A_first_deploy_of_twelve_hosts_starts_each_app_wave_side_by_side_and_never_more()
    {
        var target = new RecordingTarget();
        var runner = new PlanRunner(target, _ => { });

        runner.Apply(Planner.Plan(Twelve()));

        bool AppCreate((string Step, string What, long, long) a) => a.Step.Contains("-app-", StringComparison.Ordinal) && a.What.StartsWith("create ", StringComparison.Ordinal);
        var creates = target.Actions.Where(AppCreate).ToList();
        Assert.Equal(12, creates.Count);
        Assert.Equal(3, creates.Max(a => creates.Count(b => b.Start < a.End && a.Start < b.End)));
    }

    /// <summary>
    /// A new CrateDB node changes every app's app.conf: the apps restart one at a time although no container changes,
    /// as under Pulumi, whose registration of an unchanged resource waits for what it depends on.
    /// </summary>
    [Fact]
    public void Restarts_linked_through_unchanged_containers_still_go_one_at_a_time()
    {
        var target = new RecordingTarget();
        var runner = new PlanRunner(target, _ => { });
        runner.Apply(Planner.Plan(Repo(Stacks.Spec("three-host"))));
        target.Actions.Clear();

        runner.Apply(Planner.Plan(Repo(Stacks.Edited("three-host", yaml => yaml + "    - name: host4\n      address: 192.0.2.14\n"))));

        var restarts = target.Actions.Where(a => a.Step.EndsWith("-app-9210-restart", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, restarts.Count(a => a.Step != "host4-app-9210-restart"));
        Assert.Equal(1, target.MostAtOnce(step => step.EndsWith("-app-9210-restart", StringComparison.Ordinal)));
        Assert.Equal(1, target.MostAtOnce(step => step.EndsWith("-crate-4200-restart", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The same plan, and host2's crate image now has a new id under the same name: its node's container is replaced, as
    /// under Pulumi, through its guard: the graceful stop before the old container is stopped, the rejoin after the new one.
    /// </summary>
    [Fact]
    public void A_container_whose_image_has_a_new_id_is_replaced_through_its_nodes_graceful_stop_and_rejoin()
    {
        var target = new RecordingTarget();
        var runner = new PlanRunner(target, _ => { });
        var plan = Planner.Plan(Repo(Stacks.Spec("two-host")));
        runner.Apply(plan);
        Assert.Empty(runner.Apply(plan));
        target.Actions.Clear();

        var crate = plan.Steps.OfType<ContainerStep>().Single(c => c.Id == "host2-crate-4200-container");
        target.ImageIds[(crate.Engine, crate.Spec.Image)] = "sha256:rebuilt";
        var runs = runner.Apply(plan);

        Assert.Equal(["Retire host2-crate-4200-ready", "Replace host2-crate-4200-container", "Replace host2-crate-4200-ready"],
            runs.Where(r => r.Change != StepChangeKind.Run).Select(r => $"{r.Change} {r.Id}"));
        var actions = target.Actions.ToList();
        var stop = actions.FindIndex(a => a.Step == "host2-crate-4200-ready" && a.What == ((CommandStep)plan.Step("host2-crate-4200-ready")).Delete);
        var removed = actions.FindIndex(a => a.What.StartsWith("stop ", StringComparison.Ordinal) && a.Step == "host2-crate-4200-container");
        var created = actions.FindIndex(a => a.What == "create host2-crate-4200");
        var rejoined = actions.FindIndex(a => a.Step == "host2-crate-4200-ready" && a.What == ((CommandStep)plan.Step("host2-crate-4200-ready")).Script);
        Assert.True(stop >= 0 && stop < removed && removed < created && created < rejoined, string.Join("\n", actions.Select(a => $"{a.Step}: {a.What[..Math.Min(60, a.What.Length)]}")));
        // Not host1's node, whose image id stayed.
        Assert.DoesNotContain(actions, a => a.Step.StartsWith("host1-crate-4200", StringComparison.Ordinal));
    }

    [Fact]
    public void After_a_failed_step_the_next_apply_runs_what_is_left_and_nothing_that_succeeded()
    {
        var failing = true;
        var target = new RecordingTarget(step => failing && step == "host2-app-9210-container");
        var runner = new PlanRunner(target, _ => { });
        var plan = Planner.Plan(Repo(Stacks.Spec("two-host")));

        var error = Assert.Throws<InvalidOperationException>(() => runner.Apply(plan));
        Assert.Contains("step host2-app-9210-container failed", error.Message, StringComparison.Ordinal);
        var done = runner.State.Steps.Select(s => s.Id).ToHashSet();
        Assert.Contains("host1-app-9210-ready", done);
        Assert.DoesNotContain("host2-app-9210-container", done);
        Assert.DoesNotContain("front-lb-container", done);

        failing = false;
        target.Actions.Clear();
        var runs = runner.Apply(plan);

        Assert.DoesNotContain(runs, r => done.Contains(r.Id));
        Assert.Contains(runs, r => r.Id == "host2-app-9210-container");
        Assert.Contains(runs, r => r.Id == "front-lb-container");
        Assert.Equal(plan.Steps.Count, runner.State.Steps.Count);
        Assert.Equal(plan, runner.Applied);
    }

    /// <summary>`infra lab apply` after a failure: the state is kept between processes as stack files and step ids, and taken up again.</summary>
    [Fact]
    public void A_failed_applys_state_outlives_its_process_and_the_next_one_finishes_the_change()
    {
        var file = Path.Combine(Stacks.Root, "stacks", "Pulumi.two-host.yaml");
        var applied = File.ReadAllText(file);
        var grown = applied + "    - name: host3\n      address: 192.0.2.13\n";
        DeploymentPlan PlanOf(string yaml) => Planner.Plan(TopologyResolver.Resolve(SpecLoader.LoadYaml(yaml, file, "two-host").Spec!));
        var failing = false;
        var target = new RecordingTarget(step => failing && step == "host2-app-9210-restart");
        var runner = new PlanRunner(target, _ => { });
        runner.Apply(PlanOf(applied));
        failing = true;
        Assert.Throws<InvalidOperationException>(() => runner.Apply(PlanOf(grown)));

        var saved = UnfinishedApply.Of(runner.State, [applied, grown], PlanOf, "host2-app-9210-restart failed");
        var read = System.Text.Json.JsonSerializer.Deserialize<UnfinishedApply>(System.Text.Json.JsonSerializer.Serialize(saved))!;
        var restored = read.Restore(PlanOf);
        Assert.Equal(runner.State.Steps, restored.Steps);
        Assert.Equal(runner.State.Pending, restored.Pending);
        Assert.NotEmpty(restored.Pending);

        failing = false;
        var next = new PlanRunner(target, _ => { });
        next.Resume(restored, PlanOf(applied));
        var runs = next.Apply(PlanOf(grown));
        Assert.Equal("host2-app-9210-restart", runs[0].Id);
        Assert.Contains(runs, r => r.Change == StepChangeKind.Retire && r.Id == "host1-nftables-apply");
        Assert.DoesNotContain(runs, r => r.Id == "host3-crate-4200-container");
        Assert.Empty(next.State.Pending);
    }

    [Fact]
    public void A_removed_host_goes_before_the_old_rulesets_withdraw_it_each_running_its_stored_delete_script()
    {
        var target = new RecordingTarget();
        var runner = new PlanRunner(target, _ => { });
        var three = Planner.Plan(Repo(Stacks.Spec("three-host")));
        runner.Apply(three);
        target.Actions.Clear();

        var runs = runner.Apply(Planner.Plan(Repo(Stacks.Edited("three-host", yaml => yaml.Replace("    - name: host3\n      address: 192.0.2.13\n", "", StringComparison.Ordinal)))));

        var order = runs.Select(r => (r.Change, r.Id)).ToList();
        var withdrawals = order.Where(r => r.Change == StepChangeKind.Retire && r.Id.EndsWith("-nftables-apply", StringComparison.Ordinal)).Select(r => order.IndexOf(r)).ToList();
        Assert.Equal(2, withdrawals.Count);
        Assert.All(withdrawals, w => Assert.True(w > order.IndexOf((StepChangeKind.Delete, "host3-crate-4200-decommission")) && w > order.IndexOf((StepChangeKind.Delete, "host3-app-9210-container"))));
        var delete = ((CommandStep)three.Step("host1-nftables-apply")).Delete;
        Assert.Contains(target.Actions, a => a.Step == "host1-nftables-apply" && a.What == delete);
        Assert.Contains(target.Actions, a => a.Step == "host3-crate-4200-decommission" && a.What == ((CommandStep)three.Step("host3-crate-4200-decommission")).Delete);
        Assert.Empty(runner.State.Pending);
    }

    [Fact]
    public void A_destroy_without_the_setting_stops_at_the_guard_before_anything_else_and_the_state_keeps_every_step()
    {
        // The double does not run scripts: the guard fails here as its delete script does without the setting
        // (DestroyTests runs that script; the container tier runs it over the real path).
        var target = new RecordingTarget(step => step == StepGraph.DestroyGuardStep);
        var runner = new PlanRunner(target, _ => { });
        var plan = Planner.Plan(Repo(Stacks.Spec("three-host")));
        runner.Apply(plan);
        target.Actions.Clear();

        var error = Assert.Throws<InvalidOperationException>(() => runner.Destroy());

        Assert.Contains("step destroy-guard failed", error.Message, StringComparison.Ordinal);
        Assert.Equal([StepGraph.DestroyGuardStep], target.Actions.Select(a => a.Step));
        Assert.Equal(plan.Steps, runner.State.Steps);
    }

    [Fact]
    public void A_destroy_the_stack_allowed_deletes_every_step_in_pulumis_order_decommissioning_no_node()
    {
        var target = new RecordingTarget();
        var runner = new PlanRunner(target, _ => { });
        var allowed = Stacks.Edited("three-host", yaml => yaml.Replace("config:\n", "config:\n  microblog:destroy:\n    allowed: true\n    volumes: delete\n", StringComparison.Ordinal));
        var plan = Planner.Plan(Repo(allowed));
        runner.Apply(plan);
        target.Actions.Clear();

        var runs = runner.Destroy();

        Assert.Equal(plan.Steps.Count, runs.Count);
        Assert.Equal(StepGraph.DestroyGuardStep, runs[0].Id);
        Assert.Equal(StepGraph.DestroyGuardStep, target.Actions.First().Step);
        Assert.Contains("allows its destroy", target.Actions.First().What, StringComparison.Ordinal);
        Assert.DoesNotContain(target.Actions, a => a.Step.EndsWith("-decommission", StringComparison.Ordinal));
        var order = runs.Select(r => r.Id).ToList();
        Assert.All(plan.Steps, s => Assert.All(s.DependsOn, d => Assert.True(order.IndexOf(s.Id) < order.IndexOf(d), $"{s.Id} before {d}")));
        Assert.Contains(target.Actions, a => a.What == "rm --force host1-crate-4200");
        Assert.Contains(target.Actions, a => a.What == "volume rm host1-crate-4200-data");
        Assert.Empty(runner.State.Steps);
        Assert.Null(runner.Applied);
    }

    private static StackTopology Repo(StackSpec spec) => TopologyResolver.Resolve(spec);

    /// <summary>two-host grown to twelve colocated hosts: four waves of three apps.</summary>
    private static StackTopology Twelve() =>
        Repo(Stacks.Edited("two-host", yaml => yaml + string.Concat(Enumerable.Range(3, 10).Select(i => $"    - name: host{i}\n      address: 192.0.2.{10 + i}\n"))));
}
