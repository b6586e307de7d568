using System.Collections.Immutable;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;
using LocalCommand = Pulumi.Command.Local.Command;
using LocalCommandArgs = Pulumi.Command.Local.CommandArgs;

namespace Infra.Components;

public sealed class TopologyArgs
{
    public required StackTopology Topology { get; init; }

    public required DeploymentPlan Plan { get; init; }
}

/// <summary>The whole stack: a HostStack per host, app restarts rolled host by host, and the post-update checks.</summary>
public sealed class Topology : ComponentResource
{
    [Output("frontDoorUrls")]
    public Output<ImmutableArray<string>> FrontDoorUrls { get; private set; }

    /// <summary>The firewall lets only the host itself reach these: open them from a shell on that host.</summary>
    [Output("haproxyStatsUrlsFromHostOnly")]
    public Output<ImmutableArray<string>> HaproxyStatsUrls { get; private set; }

    [Output("crateAdminUrls")]
    public Output<ImmutableArray<string>> CrateAdminUrls { get; private set; }

    /// <summary>Host -> its services -> their ports.</summary>
    [Output("services")]
    public Output<ImmutableDictionary<string, ImmutableDictionary<string, ImmutableArray<int>>>> Services { get; private set; }

    public IReadOnlyList<HostStack> Hosts { get; }

    public Topology(string name, TopologyArgs args, ComponentResourceOptions? options = null)
        : base("microblog:infra:Topology", name, options)
    {
        var hosts = new List<HostStack>();
        Resource? restartAfter = null;
        foreach (var hostPlan in args.Plan.Hosts)
        {
            var host = new HostStack(hostPlan.Host.Name, new HostStackArgs { Stack = args.Plan.Stack, Plan = hostPlan, RestartAfter = restartAfter },
                new ComponentResourceOptions { Parent = this });
            hosts.Add(host);
            restartAfter = host.LastRestart;
        }

        Hosts = hosts;
        var settled = hosts.SelectMany(h => h.Settled).ToList();
        var triggers = hosts.SelectMany(h => h.DeliveredFiles).Select(f => f.Sha256)
            .Concat(args.Plan.Hosts.SelectMany(h => h.Services).Select(s => s.Image).Distinct());
        foreach (var check in args.Plan.Checks)
        {
            var checkName = $"check-{check.Name}";
            var run = new ShellRun(check.Script, Triggers: triggers.ToList());
            // After every container, reload and restart: a failing check fails `pulumi up`.
            var after = new CustomResourceOptions { Parent = this, DependsOn = settled };
            if (check.Container is { } container)
            {
                var host = args.Plan.Hosts.Single(h => h.Services.Any(s => s.Name == container)).Host;
                _ = new HostShell(host).Run(checkName, Delivery.InContainer(container, run), after);
                continue;
            }

            // From the operator's machine: the front door as clients meet it.
            var command = new LocalCommandArgs { Create = run.Script };
            foreach (var trigger in run.Triggers!)
            {
                command.Triggers.Add(HostShell.Trigger(trigger));
            }

            _ = new LocalCommand(checkName, command, after);
        }

        var topology = args.Topology;
        FrontDoorUrls = Output.Create(topology.FrontDoor
            .SelectMany(door => door.TlsPort is { } tls ? new[] { $"http://{door.Address}:{door.Port}/", $"https://{door.Address}:{tls}/" } : [$"http://{door.Address}:{door.Port}/"])
            .ToImmutableArray());
        HaproxyStatsUrls = Output.Create(topology.Of(Role.Haproxy).Select(h => $"http://{h.Address}:{h.Port}{HaproxyConfig.StatsPath}").ToImmutableArray());
        CrateAdminUrls = Output.Create(topology.Of(Role.Crate).Select(c => $"http://{c.Address}:{c.Port}/").ToImmutableArray());
        Services = Output.Create(args.Plan.Hosts.ToImmutableDictionary(
            h => h.Host.Name,
            h => h.Services.ToImmutableDictionary(s => s.Name, s => s.Ports.ToImmutableArray())));
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["frontDoorUrls"] = FrontDoorUrls,
            ["haproxyStatsUrlsFromHostOnly"] = HaproxyStatsUrls,
            ["crateAdminUrls"] = CrateAdminUrls,
            ["services"] = Services,
        });
    }
}
