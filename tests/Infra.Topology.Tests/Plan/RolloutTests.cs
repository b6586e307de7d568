using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Plan;

/// <summary>Rollouts in waves: how many of a role go at once, what waits for what, and what the critical path becomes.</summary>
public class RolloutTests
{
    [Theory]
    [InlineData("25%", 12, 3)]
    [InlineData("25%", 1000, 250)]
    [InlineData("25%", 4, 1)]
    [InlineData("25%", 3, 1)]
    [InlineData("25%", 1, 1)]
    [InlineData("50%", 4, 2)]
    [InlineData("100%", 4, 3)]
    [InlineData("100%", 2, 1)]
    [InlineData("2", 12, 2)]
    [InlineData("5", 4, 3)]
    [InlineData("3", 1, 3)]
    public void A_wave_takes_the_share_rounded_down_at_least_one_and_never_the_whole_role(string maxUnavailable, int instances, int size)
    {
        Assert.Equal(size, new RolloutSpec(maxUnavailable).WaveSize(instances));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0%")]
    [InlineData("101%")]
    [InlineData("-1")]
    [InlineData("a quarter")]
    [InlineData("25 %")]
    public void A_share_that_is_not_a_count_or_a_percentage_is_an_error_at_its_key(string value)
    {
        var result = Repo.LoadEdited("two-host", yaml => yaml + $"  microblog:rollout:\n    maxUnavailable: \"{value}\"\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:rollout.maxUnavailable", error.KeyPath);
        Assert.Contains("a count of instances (1 or more) or a share of the role, from 1% to 100%", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Twelve_colocated_hosts_roll_each_stateless_role_in_four_waves_of_three_tiers_in_order_crate_one_at_a_time()
    {
        var plan = Planner.Plan(Twelve());

        foreach (var role in new[] { "app", "haproxy", "nginx" })
        {
            var containers = plan.Steps.OfType<ContainerStep>().Where(c => c.Spec.Labels.Any(l => l.Key == "microblog.role" && l.Value == Role(role))).ToList();
            Assert.Equal(12, containers.Count);
            var waves = containers.Chunk(3).ToList();
            Assert.Equal(4, waves.Count);
            for (var k = 0; k < waves.Count; k++)
            {
                foreach (var container in waves[k])
                {
                    var upstream = PlanGraphTests.Upstream(plan, container.Id);
                    // Never two of one wave in each other's way; always every one of the wave before.
                    Assert.DoesNotContain(waves[k], other => other != container && upstream.Contains(other.Id));
                    Assert.All(waves.Take(k).SelectMany(w => w), earlier => Assert.Contains($"{earlier.Service}-ready", upstream));
                    Assert.DoesNotContain(containers.Skip((k + 1) * 3), later => upstream.Contains(later.Id));
                }
            }

            Assert.Contains(plan.Steps, s => s.Id == $"{role}-wave-1" && s is CommandStep { Purpose: CommandPurpose.Gate } gate && gate.After.Count == 3);
        }

        // Tiers in order: every haproxy after every app is settled, every nginx after every haproxy, the front door last.
        var firstHaproxy = PlanGraphTests.Upstream(plan, "host1-haproxy-container");
        Assert.All(Enumerable.Range(1, 12), i => Assert.Contains($"host{i}-app-9210-restart", firstHaproxy));
        Assert.Contains("haproxy-wave-4", PlanGraphTests.Upstream(plan, "host1-nginx-container"));
        Assert.Contains("nginx-wave-4", PlanGraphTests.Upstream(plan, "front-lb-container"));
        // CrateDB keeps its procedure: each node after the one before it is back.
        Assert.Contains("host11-crate-4200-restart", PlanGraphTests.Upstream(plan, "host12-crate-4200-container"));
        Assert.DoesNotContain(plan.Steps, s => s.Id.StartsWith("crate-wave-", StringComparison.Ordinal));
    }

    [Fact]
    public void One_at_a_time_is_still_a_setting_and_a_single_instance_role_gets_no_gate()
    {
        var plan = Planner.Plan(Twelve("  microblog:rollout:\n    maxUnavailable: 1\n"));

        Assert.DoesNotContain(plan.Steps, s => s.Id.Contains("-wave-", StringComparison.Ordinal));
        Assert.Contains("host1-app-9210-restart", PlanGraphTests.Upstream(plan, "host2-app-9210-container"));
        Assert.DoesNotContain(Planner.Plan(Repo.Topology("two-host")).Steps, s => s.Id.Contains("-wave-", StringComparison.Ordinal));
    }

    [Fact]
    public void Waves_shorten_a_release_to_a_wave_count_of_ready_waits()
    {
        var before = Planner.Plan(Twelve());
        var release = Planner.Plan(Twelve(edit: yaml => yaml.Replace("app:1.0.0", "app:1.1.0", StringComparison.Ordinal)));
        var queue = Planner.Plan(Twelve("  microblog:rollout:\n    maxUnavailable: 1\n", yaml => yaml.Replace("app:1.0.0", "app:1.1.0", StringComparison.Ordinal)));
        var queueBefore = Planner.Plan(Twelve("  microblog:rollout:\n    maxUnavailable: 1\n"));

        var waves = Release(before, release);
        var oneAtATime = Release(queueBefore, queue);

        // Each app replaced and ready once: 4 waves of 3 wait 4 times in series, one at a time 12 times.
        Assert.Equal(4, waves.Steps.Count(s => s is CommandStep { Purpose: CommandPurpose.Ready }));
        Assert.Equal(12, oneAtATime.Steps.Count(s => s is CommandStep { Purpose: CommandPurpose.Ready }));
        Assert.All(waves.Steps.OfType<ContainerStep>(), c => Assert.Contains("-app-", c.Id, StringComparison.Ordinal));
    }

    /// <summary>At a thousand hosts each haproxy lists a subset of the apps: no wave may hold every app one of them lists.</summary>
    [Fact]
    public void At_a_thousand_hosts_no_wave_takes_down_every_app_an_haproxy_lists()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + string.Concat(Enumerable.Range(3, 998).Select(i => $"    - name: host{i}\n      address: 10.0.{i / 250}.{i % 250 + 1}\n")));
        var waves = StepGraph.Waves(topology, Planner.Plan(topology).Hosts).Where(w => w.Role == Spec.Role.App).ToList();

        Assert.Equal(4, waves.Count);
        var waveOf = waves.SelectMany(w => w.Members.Select(m => (m.Service.Name, w.Number))).ToDictionary(x => x.Name, x => x.Number);
        var worst = topology.Of(Spec.Role.Haproxy).Select(haproxy =>
        {
            var listed = topology.Targets(haproxy).Where(t => t.Role == Spec.Role.App).ToList();
            return (Listed: listed.Count, MostInOneWave: listed.GroupBy(a => waveOf[a.Name]).Max(g => g.Count()));
        }).ToList();
        Assert.All(worst, w => Assert.True(w.MostInOneWave < w.Listed, $"an haproxy loses all {w.Listed} of its apps in one wave"));
        // And far from it: at most about half of a 16-app list in one wave of a quarter.
        Assert.True(worst.Max(w => (double)w.MostInOneWave / w.Listed) <= 0.75, $"worst share of a list in one wave: {worst.Max(w => (double)w.MostInOneWave / w.Listed):P0}");
    }

    private static CriticalPath Release(DeploymentPlan before, DeploymentPlan after)
    {
        var runs = PlanChanges.Compare(before, after).Where(c => c.Change is StepChangeKind.Run or StepChangeKind.Replace or StepChangeKind.Create).Select(c => c.Step.Id).ToHashSet();
        return CriticalPath.Of(after.Steps, s => runs.Contains(s.Id), _ => 1);
    }

    private static string Role(string role) => role switch
    {
        "app" => nameof(Spec.Role.App),
        "haproxy" => nameof(Spec.Role.Haproxy),
        _ => nameof(Spec.Role.Nginx),
    };

    /// <summary>two-host grown to twelve colocated hosts (192.0.2.11-22).</summary>
    private static StackTopology Twelve(string settings = "", Func<string, string>? edit = null) =>
        Repo.TopologyEdited("two-host", yaml => (edit ?? (y => y))(yaml + string.Concat(Enumerable.Range(3, 10).Select(i => $"    - name: host{i}\n      address: 192.0.2.{10 + i}\n")) + settings));
}
