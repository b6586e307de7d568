using Infra.Planning;
using Infra.Topology.Plan;
using Pulumi;
using Pulumi.Command.Remote.Inputs;
using Pulumi.Docker.Inputs;
using Docker = Pulumi.Docker;
using LocalCommand = Pulumi.Command.Local.Command;
using LocalCommandArgs = Pulumi.Command.Local.CommandArgs;
using RemoteCommand = Pulumi.Command.Remote.Command;
using RemoteCommandArgs = Pulumi.Command.Remote.CommandArgs;

namespace Infra;

/// <summary>
/// A plan's step as its Pulumi resource: one resource per step, named after the step's id, each value from the step
/// (placeholders filled in), its After list as DependsOn. Nothing else: no port, path or script of its own.
/// </summary>
internal static class StepResources
{
    /// <summary>Makes the resource of <paramref name="step"/> under <paramref name="parent"/> and tells the scope it is made.</summary>
    public static CustomResource Make(TopologyPlan plan, Step step, Resource parent)
    {
        CustomResource resource = step switch
        {
            EngineStep engine => new Docker.Provider(plan.NameOf(engine.Id), new Docker.ProviderArgs { Host = plan.Fill(engine.Endpoint) }, Options(plan, step, parent)),
            CommandStep command => Command(plan, command, Options(plan, step, parent)),
            ImageStep image => new Docker.RemoteImage(plan.NameOf(image.Id), new Docker.RemoteImageArgs { Name = plan.Fill(image.Image), KeepLocally = image.KeepLocally },
                Options(plan, step, parent, image.Engine)),
            VolumeStep volume => new Docker.Volume(plan.NameOf(volume.Id), new Docker.VolumeArgs { Name = volume.Name },
                Options(plan, step, parent, volume.Engine, retainOnDelete: volume.RetainOnDelete)),
            ContainerStep container => new Docker.Container(plan.NameOf(container.Id), Container(plan, container),
                Options(plan, step, parent, container.Engine, deleteBeforeReplace: container.DeleteBeforeReplace)),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, null),
        };
        plan.Scope.Made(step.Id, resource);
        return resource;
    }

    private static CustomResourceOptions Options(TopologyPlan plan, Step step, Resource parent, string? engine = null, bool retainOnDelete = false, bool deleteBeforeReplace = false)
    {
        var options = new CustomResourceOptions
        {
            Parent = parent,
            DependsOn = plan.Scope.Waits(step.After),
            RetainOnDelete = retainOnDelete,
            DeleteBeforeReplace = deleteBeforeReplace,
            // A destroy deletes the topology, an update never does: the step's delete runs only when it leaves a topology that stays.
            DeletedWith = step is CommandStep { SkippedOnDestroy: true } ? plan.TopologyComponent : null,
            // The names earlier releases gave the step: the resource moves to its new name, nothing is replaced.
            Aliases = step.FormerIds.Select(former => (Input<Alias>)new Alias { Name = plan.NameOf(former) }).ToList(),
        };
        if (step is CommandStep command && TopologyPlan.CarriesSecret(command.Stdin))
        {
            // The provider echoes its inputs as outputs: the filled-in stdin stays encrypted there too.
            options.AdditionalSecretOutputs = ["stdin"];
        }

        // The host's engine when this tree made it; else the provider the component was given (a service made alone).
        if (engine is not null && plan.Scope.MadeAlready(engine) is ProviderResource provider)
        {
            options.Provider = provider;
        }

        return options;
    }

    private static CustomResource Command(TopologyPlan plan, CommandStep step, CustomResourceOptions options)
    {
        var stdin = Stdin(plan, step);
        var triggers = step.Triggers.Select(t => (Input<object>)plan.Trigger(t).ToOutput().Apply(v => (object)v)).ToArray();
        if (step.Ssh is not { } ssh)
        {
            var local = new LocalCommandArgs();
            if (step.Script.Length > 0)
            {
                local.Create = plan.Fill(step.Script);
            }

            if (step.Delete is not null)
            {
                local.Delete = plan.Fill(step.Delete);
            }

            if (step.Update is not null)
            {
                local.Update = plan.Fill(step.Update);
            }

            if (stdin is not null)
            {
                local.Stdin = stdin;
            }

            local.Triggers.Add(triggers);
            return new LocalCommand(plan.NameOf(step.Id), local, options);
        }

        var connection = new ConnectionArgs { Host = plan.Fill(ssh.Address), User = plan.Fill(ssh.User), Port = ssh.Port };
        if (step.Host is { } host && plan.PrivateKeys.TryGetValue(host, out var key))
        {
            connection.PrivateKey = key;
        }

        var remote = new RemoteCommandArgs { Connection = connection };
        // An empty script runs nothing when created: the step is there for its delete script.
        if (step.Script.Length > 0)
        {
            remote.Create = plan.Fill(step.Script);
        }

        if (step.Delete is not null)
        {
            remote.Delete = plan.Fill(step.Delete);
        }

        if (step.Update is not null)
        {
            remote.Update = plan.Fill(step.Update);
        }

        if (stdin is not null)
        {
            remote.Stdin = stdin;
        }

        remote.Triggers.Add(triggers);
        return new RemoteCommand(plan.NameOf(step.Id), remote, options);
    }

    /// <summary>
    /// The stdin the step's core says it gets (<see cref="CommandStep.StdinSent"/>), each part filled in: its stdin's
    /// placeholders, and the values that make it run again as they are once known.
    /// </summary>
    private static Input<string>? Stdin(TopologyPlan plan, CommandStep step)
    {
        if (step.StdinSent is null)
        {
            return null;
        }

        if (step.RunsAgainWhen.Count == 0)
        {
            return plan.Fill(step.Stdin!);
        }

        var stdin = step.Stdin is { } text ? plan.Fill(text).ToOutput() : Output.Create((string?)null)!;
        return Output.Tuple(stdin, Output.All(step.RunsAgainWhen.Select(plan.Trigger)))
            .Apply(t => CommandStep.Sent(t.Item1, t.Item2)!);
    }

    private static Docker.ContainerArgs Container(TopologyPlan plan, ContainerStep step)
    {
        var spec = step.Spec;
        var args = new Docker.ContainerArgs
        {
            Name = spec.Name,
            // The id of the image this tree pulled; made alone, the reference the caller's engine has.
            Image = plan.Scope.Resource(step.ImageStep)?.Apply(image => ((Docker.RemoteImage)image).ImageId) ?? plan.Fill(spec.Image),
            Envs = spec.Environment.Select(plan.Fill).ToList(),
            Healthcheck = new ContainerHealthcheckArgs
            {
                Tests = spec.Health.Test.Select(plan.Fill).ToList(),
                Interval = spec.Health.Interval,
                Timeout = spec.Health.Timeout,
                Retries = spec.Health.Retries,
                StartPeriod = spec.Health.StartPeriod,
            },
            Restart = spec.RestartPolicy,
            NetworkMode = spec.NetworkMode,
            // The provider stops the container on its image's stop signal before it removes it: it finishes what it serves.
            DestroyGraceSeconds = step.StopGraceSeconds,
        };
        // An empty command would override the image's own; no user keeps the image's.
        if (spec.Command.Count > 0)
        {
            args.Command = spec.Command.Select(plan.Fill).ToList();
        }

        if (spec.User is not null)
        {
            args.User = spec.User;
        }

        if (spec.PidMode is not null)
        {
            args.PidMode = spec.PidMode;
        }

        if (spec.CapDrop.Count > 0)
        {
            args.Capabilities = new ContainerCapabilitiesArgs { Drops = spec.CapDrop.ToList() };
        }

        foreach (var mount in spec.Mounts)
        {
            // A bind with a propagation needs the provider's mounts (its volumes have no propagation).
            if (mount is { Kind: MountKind.Bind, Propagation: { } propagation })
            {
                args.Mounts.Add(new ContainerMountArgs
                {
                    Type = "bind",
                    Source = mount.Source,
                    Target = mount.Target,
                    ReadOnly = mount.ReadOnly,
                    BindOptions = new ContainerMountBindOptionsArgs { Propagation = propagation },
                });
                continue;
            }

            args.Volumes.Add(mount.Kind switch
            {
                MountKind.Bind => new ContainerVolumeArgs { HostPath = plan.Fill(mount.Source), ContainerPath = plan.Fill(mount.Target), ReadOnly = mount.ReadOnly },
                MountKind.Volume => new ContainerVolumeArgs { VolumeName = mount.Source, ContainerPath = mount.Target, ReadOnly = mount.ReadOnly },
                _ => throw new ArgumentOutOfRangeException(nameof(step), mount.Kind, null),
            });
        }

        foreach (var label in spec.Labels)
        {
            args.Labels.Add(new ContainerLabelArgs { Label = label.Key, Value = label.Value });
        }

        return args;
    }
}
