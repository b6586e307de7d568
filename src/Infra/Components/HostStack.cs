using System.Collections.Immutable;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Pulumi;
using Docker = Pulumi.Docker;

namespace Infra.Components;

public sealed class HostStackArgs
{
    public required string Stack { get; init; }

    public required HostPlan Plan { get; init; }

    /// <summary>The last app restart on the hosts before this one: restarts roll one at a time.</summary>
    public Resource? RestartAfter { get; init; }
}

/// <summary>One host: its Docker engine, preparation, host-wide files, images and a component per service.</summary>
public sealed class HostStack : ComponentResource
{
    [Output("dockerEndpoint")]
    public Output<string> DockerEndpoint { get; private set; }

    [Output("services")]
    public Output<ImmutableArray<string>> Services { get; private set; }

    public IReadOnlyList<ServiceComponent> ServiceComponents { get; }

    /// <summary>Every file this host gets (supervisord.conf is not among them: containers need no supervisor).</summary>
    public IReadOnlyList<PlacedFile> DeliveredFiles { get; }

    /// <summary>Everything that must have happened before the stack is checked: containers, reloads, restarts, firewall.</summary>
    public IReadOnlyList<Resource> Settled { get; }

    /// <summary>The last app restart of the rollout so far (this host's, or the one handed in).</summary>
    public Resource? LastRestart { get; }

    public HostStack(string name, HostStackArgs args, ComponentResourceOptions? options = null)
        : base("microblog:infra:HostStack", name, options)
    {
        var plan = args.Plan;
        var shell = new HostShell(plan.Host);
        var child = new CustomResourceOptions { Parent = this };
        var settled = new List<Resource>();

        var docker = new Docker.Provider($"{name}-docker", new Docker.ProviderArgs { Host = plan.Host.Access.DockerEndpoint }, child);
        var onDocker = new CustomResourceOptions { Parent = this, Provider = docker };

        var preparation = plan.Preparation
            .Select(command => (Resource)shell.Run($"{name}-prepare-{command.Name}", new ShellRun(command.Script, AsRoot: true), child))
            .ToList();

        var images = plan.Services
            .GroupBy(s => s.Image)
            .ToDictionary(g => g.Key, g => new Docker.RemoteImage(
                $"{name}-image-{ImageKind(g.First().Role)}", new Docker.RemoteImageArgs { Name = g.Key, KeepLocally = true }, onDocker));

        var delivered = new List<PlacedFile>();
        // Host-wide files here; a service's files come with its component. An instance's file no container
        // reads (log4j2.properties, for CrateDB under supervisord) is not delivered.
        foreach (var file in plan.Files.Where(f => f.File.Instance is null))
        {
            // supervisord.conf and its scripts run the process-managed layouts outside containers (`infra render`);
            // under Pulumi every service is a container, so nothing would read them.
            if (file.File.ForSupervisord)
            {
                continue;
            }

            var stem = Path.GetFileNameWithoutExtension(file.File.Path);
            var write = shell.Run($"{name}-{stem}-config", Delivery.Write(file), new CustomResourceOptions { Parent = this, DependsOn = preparation });
            delivered.Add(file);
            // On the operator's own machine (localhost stacks) the ruleset is written, not applied: its drop
            // policy would cut off everything else the machine serves. `sudo nft -f` applies it by hand.
            if (file.File.OnChange == ChangeAction.ApplyFirewall && !plan.Host.Access.Local)
            {
                settled.Add(shell.Run($"{name}-{stem}-apply", Delivery.ApplyFirewall(file), new CustomResourceOptions { Parent = this, DependsOn = write }));
            }
        }

        var components = new List<ServiceComponent>();
        var restartAfter = args.RestartAfter;
        foreach (var service in plan.Services)
        {
            var serviceArgs = new ServiceArgs
            {
                Stack = args.Stack,
                Service = service,
                Shell = shell,
                Docker = docker,
                Image = images[service.Image],
                Preparation = preparation,
                RestartAfter = restartAfter,
            };
            var component = Component(service, serviceArgs, new ComponentResourceOptions { Parent = this });
            components.Add(component);
            delivered.AddRange(service.Files);
            settled.Add(component.Container);
            if (component.Apply is { } apply)
            {
                settled.Add(apply);
                if (service.OnConfigChange == ChangeAction.RollingRestart)
                {
                    restartAfter = apply;
                }
            }
        }

        ServiceComponents = components;
        DeliveredFiles = plan.Files.Where(delivered.Contains).ToList();
        Settled = settled;
        LastRestart = restartAfter;
        DockerEndpoint = Output.Create(plan.Host.Access.DockerEndpoint);
        Services = Output.Create(plan.Services.Select(s => s.Name).ToImmutableArray());
        RegisterOutputs(new Dictionary<string, object?>
        {
            ["dockerEndpoint"] = DockerEndpoint,
            ["services"] = Services,
        });
    }

    private static ServiceComponent Component(ServicePlan service, ServiceArgs args, ComponentResourceOptions options) => service.Role switch
    {
        Role.Nginx => new NginxProxy(service.Name, args, options),
        Role.Haproxy or Role.LoadBalancer => new HaproxyBalancer(service.Name, args, options),
        Role.App => new AppInstance(service.Name, args, options),
        Role.Crate => new CrateNode(service.Name, args, options),
        _ => throw new InvalidOperationException($"no component for {service.Role}"),
    };

    /// <summary>Names the image resource after what it runs, so a version bump updates it in place of renaming it.</summary>
    private static string ImageKind(Role role) => TopologyResolver.RoleName(role == Role.LoadBalancer ? Role.Haproxy : role);
}
