using System.Text.Json.Nodes;
using Infra.Components;
using Infra.Tests.Support;
using Infra.Topology.Plan;

namespace Infra.Tests;

/// <summary>
/// What `pulumi preview` and `pulumi up` are told, for what decides the operation they show: which commands carry
/// `triggers` (replaceOnChanges in pulumi-command), what travels on stdin instead, and the names a moved step answers to.
/// </summary>
public class PreviewTests
{
    public static TheoryData<bool> PreviewAndUpdate => new([true, false]);

    [Theory]
    [MemberData(nameof(PreviewAndUpdate))]
    public async Task Only_a_firewall_its_gate_and_a_nodes_guard_carry_triggers_every_other_command_runs_again_through_its_stdin(bool preview)
    {
        var plan = Plans.Of("monitored");
        var deployed = await Deploy.Program(o => new Dictionary<string, object?> { ["topology"] = new MicroblogTopology("mon", Args.Of("monitored"), o).FrontDoorUrls },
            new RecordingMocks { Preview = preview }, stack: "monitored");

        foreach (var step in plan.Steps.OfType<CommandStep>())
        {
            var inputs = JsonNode.Parse(deployed.Inputs[$"mon-{step.Id}"])!.AsObject();
            if (step is { Purpose: CommandPurpose.Ready, Delete: not null })
            {
                // A node's guard: its one trigger is its container's id, the Container resource's (unknown at preview, as
                // for a new container): Pulumi replaces it with the container, whatever replaces the container.
                var container = $"mon-{step.After.Single()}";
                Assert.Equal(preview ? null : $"[\"{container}-id\"]", inputs["triggers"]?.ToJsonString());
                Assert.Contains(container, deployed.Of($"mon-{step.Id}").DependsOn.Select(r => r.GetResourceName()));
                continue;
            }

            var triggers = inputs["triggers"]!.AsArray();
            Assert.True(triggers.Count == 0 || step.Purpose is CommandPurpose.ApplyFirewall or CommandPurpose.Gate, $"{step.Id} is replaced by its triggers");
            if (step.RunsAgainWhen.Count > 0 && !preview)
            {
                // After what the script reads (the password, for an app's restart), one value a line: a container's id as
                // the Container resource has it.
                var stdin = inputs["stdin"]!.GetValue<string>();
                Assert.EndsWith(string.Concat(step.RunsAgainWhen.Select(v => ContainerIds.Fill(v, c => $"mon-{c}-id") + "\n")), stdin, StringComparison.Ordinal);
            }
        }

        // Not vacuous: the firewalls are replaced by theirs, a reload runs again through its stdin, a node has its guard.
        Assert.NotEmpty(JsonNode.Parse(deployed.Inputs["mon-host1-nftables-apply"])!["triggers"]!.AsArray());
        Assert.Contains("stdin", deployed.Inputs["mon-host1-nginx-reload"], StringComparison.Ordinal);
        Assert.Contains(plan.Steps, s => s is CommandStep { Purpose: CommandPurpose.Ready, Delete: not null });
    }

    [Theory]
    [MemberData(nameof(PreviewAndUpdate))]
    public async Task A_step_that_moved_answers_to_its_earlier_name_so_the_move_replaces_nothing(bool preview)
    {
        var deployed = await Deploy.Program(o => new Dictionary<string, object?> { ["topology"] = new MicroblogTopology("mon", Args.Of("monitored"), o).FrontDoorUrls },
            new RecordingMocks { Preview = preview }, stack: "monitored");

        Assert.Equal(["mon-monitor-prometheus-config-prometheus.yml"], Registered.AliasNames(deployed.Of("mon-monitor-prometheus-config")));
        Assert.Empty(Registered.AliasNames(deployed.Of("mon-monitor-prometheus-config-alerts.yml")));
        Assert.Empty(Registered.AliasNames(deployed.Of("mon-host1-nginx-config")));
    }
}
