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
/// The plan's steps as Pulumi resources, one each, named by the step's id. Made in the plan's order, every step a
/// step waits for already exists: its After list becomes DependsOn, nothing more, and each value comes from the step.
/// </summary>
public sealed class StepResources
{
    private readonly Dictionary<string, Resource> _byId = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, Output<string>> _secrets;

    private StepResources(IReadOnlyDictionary<string, Output<string>> secrets)
    {
        _secrets = secrets;
    }

    public IReadOnlyDictionary<string, Resource> ById => _byId;

    /// <param name="steps">The plan's steps, each after every step it waits for.</param>
    /// <param name="secrets">The value of each secret a step's stdin names, as secret outputs.</param>
    /// <param name="parentOf">The component a step's resource belongs to.</param>
    public static StepResources Map(IEnumerable<Step> steps, IReadOnlyDictionary<string, Output<string>> secrets, Func<Step, Resource> parentOf)
    {
        var resources = new StepResources(secrets);
        foreach (var step in steps)
        {
            resources._byId.Add(step.Id, resources.Create(step, parentOf(step)));
        }

        return resources;
    }

    private Resource Create(Step step, Resource parent) => step switch
    {
        EngineStep engine => new Docker.Provider(engine.Id, new Docker.ProviderArgs { Host = engine.Endpoint }, Options(step, parent)),
        CommandStep command => Command(command, Options(step, parent)),
        ImageStep image => new Docker.RemoteImage(image.Id, new Docker.RemoteImageArgs { Name = image.Image, KeepLocally = image.KeepLocally },
            Options(step, parent, image.Engine)),
        VolumeStep volume => new Docker.Volume(volume.Id, new Docker.VolumeArgs { Name = volume.Name },
            Options(step, parent, volume.Engine, retainOnDelete: volume.RetainOnDelete)),
        ContainerStep container => new Docker.Container(container.Id, Container(container),
            Options(step, parent, container.Engine, deleteBeforeReplace: container.DeleteBeforeReplace)),
        _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, null),
    };

    private CustomResourceOptions Options(Step step, Resource parent, string? engine = null, bool retainOnDelete = false, bool deleteBeforeReplace = false)
    {
        var options = new CustomResourceOptions
        {
            Parent = parent,
            DependsOn = step.After.Select(id => _byId[id]).ToList(),
            RetainOnDelete = retainOnDelete,
            DeleteBeforeReplace = deleteBeforeReplace,
        };
        if (step is CommandStep { SecretKeys.Count: > 0 })
        {
            // The provider echoes its inputs as outputs: the filled-in stdin stays encrypted there too.
            options.AdditionalSecretOutputs = ["stdin"];
        }

        if (engine is not null)
        {
            options.Provider = (ProviderResource)_byId[engine];
        }

        return options;
    }

    private CustomResource Command(CommandStep step, CustomResourceOptions options)
    {
        var stdin = Stdin(step);
        if (step.Ssh is not { } ssh)
        {
            var local = new LocalCommandArgs();
            if (step.Script.Length > 0)
            {
                local.Create = step.Script;
            }

            if (step.Delete is not null)
            {
                local.Delete = step.Delete;
            }

            if (step.Update is not null)
            {
                local.Update = step.Update;
            }

            if (stdin is not null)
            {
                local.Stdin = stdin;
            }

            local.Triggers.Add(Triggers(step));
            return new LocalCommand(step.Id, local, options);
        }

        var remote = new RemoteCommandArgs
        {
            Connection = new ConnectionArgs { Host = ssh.Address, User = ssh.User, Port = ssh.Port },
        };
        // An empty script runs nothing when created: the step is there for its delete script.
        if (step.Script.Length > 0)
        {
            remote.Create = step.Script;
        }

        if (step.Delete is not null)
        {
            remote.Delete = step.Delete;
        }

        if (step.Update is not null)
        {
            remote.Update = step.Update;
        }

        if (stdin is not null)
        {
            remote.Stdin = stdin;
        }

        remote.Triggers.Add(Triggers(step));
        return new RemoteCommand(step.Id, remote, options);
    }

    /// <summary>The step's stdin, with each secret's placeholder filled in: a secret output when it carries one.</summary>
    private Input<string>? Stdin(CommandStep step)
    {
        if (step.Stdin is not { } stdin)
        {
            return null;
        }

        if (step.SecretKeys.Count == 0)
        {
            return stdin;
        }

        var values = step.SecretKeys.Select(key => _secrets.TryGetValue(key, out var value)
            ? value.Apply(v => new KeyValuePair<string, string>(key, v))
            : throw new InvalidOperationException(Topology.Spec.Secrets.NotRead(step.Id, key)));
        return Output.All(values).Apply(pairs => Output.CreateSecret(Topology.Spec.Secrets.Fill(stdin, pairs.ToDictionary(p => p.Key, p => p.Value))));
    }

    // Triggers is InputList<object>; a plain string would be ambiguous between its implicit conversions.
    private static Input<object>[] Triggers(CommandStep step) => step.Triggers.Select(t => (Input<object>)Output.Create<object>(t)).ToArray();

    private Docker.ContainerArgs Container(ContainerStep step)
    {
        var spec = step.Spec;
        var args = new Docker.ContainerArgs
        {
            Name = spec.Name,
            Image = ((Docker.RemoteImage)_byId[step.ImageStep]).ImageId,
            Envs = spec.Environment.ToList(),
            Healthcheck = new ContainerHealthcheckArgs
            {
                Tests = spec.Health.Test.ToList(),
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
            args.Command = spec.Command.ToList();
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
                    Type = "bind", Source = mount.Source, Target = mount.Target, ReadOnly = mount.ReadOnly,
                    BindOptions = new ContainerMountBindOptionsArgs { Propagation = propagation },
                });
                continue;
            }

            args.Volumes.Add(mount.Kind switch
            {
                MountKind.Bind => new ContainerVolumeArgs { HostPath = mount.Source, ContainerPath = mount.Target, ReadOnly = mount.ReadOnly },
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
