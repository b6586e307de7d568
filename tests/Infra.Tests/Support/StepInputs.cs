using System.Text.Json.Nodes;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Tests.Support;

/// <summary>
/// What the engine should be told for a step: the step's own values under the provider's input names, nothing
/// else. A mapping that drops, adds or alters a value makes the resource's inputs differ from these.
/// </summary>
public static class StepInputs
{
    /// <param name="prefix">What the resources' names start with (the topology's name and a dash): a container's id is the mock's id of its resource.</param>
    /// <param name="preview">At preview a new container has no id: an input that carries one is unknown, so the engine is not told it.</param>
    public static string Of(Step step, DeploymentPlan plan, string prefix, bool preview = false) => Canonical.Json(step switch
    {
        EngineStep engine => new Dictionary<string, object?> { ["host"] = engine.Endpoint },
        CommandStep command => WithContainerIds(Command(command), command, prefix, preview),
        ImageStep image => new Dictionary<string, object?> { ["name"] = image.Image, ["keepLocally"] = image.KeepLocally },
        VolumeStep volume => new Dictionary<string, object?> { ["name"] = volume.Name },
        ContainerStep container => Container(container, (ImageStep)plan.Step(container.ImageStep)),
        _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, null),
    });

    /// <summary>
    /// A step's inputs where the plan carries placeholders of values known only at deploy time: at preview
    /// (<paramref name="values"/> null) every input that embeds one is unknown, so the engine is not told it (and no image
    /// has an id yet); in an update each is filled in, and each trigger is worked out from its filled text.
    /// </summary>
    public static string Filled(Step step, DeploymentPlan plan, IReadOnlyDictionary<string, string>? values, string prefix)
    {
        var triggers = new PlanValues(plan);
        var inputs = JsonNode.Parse(Of(step, plan, prefix, preview: values is null))!.AsObject();
        foreach (var (key, value) in inputs.ToList())
        {
            var text = value!.ToJsonString();
            if (key == "stdin" && step is CommandStep { RunsAgainWhen.Count: > 0 } command && !command.RunsAgainWhen.Any(v => ContainerIds.In(v).Count > 0))
            {
                // Its stdin and the values that make it run again, each filled in: unknown at preview while any part waits.
                var stdin = command.Stdin is { } own ? WithPassword(own) : null;
                if (values is null && (Deferred.KeysIn(stdin).Count > 0 || command.RunsAgainWhen.Any(t => triggers.KeysOf(t).Count > 0)))
                {
                    inputs.Remove(key);
                }
                else if (values is not null)
                {
                    inputs[key] = CommandStep.Sent(stdin is null ? null : Deferred.Fill(stdin, values), command.RunsAgainWhen.Select(t => triggers.Fill(t, values)));
                }
            }
            else if (key == "triggers" && !((CommandStep)step).Triggers.Any(v => ContainerIds.In(v).Count > 0))
            {
                var list = value.AsArray().Select(t => t!.GetValue<string>()).ToList();
                if (values is null && list.Any(t => triggers.KeysOf(t).Count > 0))
                {
                    inputs.Remove(key);
                }
                else if (values is not null)
                {
                    inputs[key] = new JsonArray(list.Select(t => (JsonNode?)triggers.Fill(t, values)).ToArray());
                }
            }
            else if (values is null && (Deferred.KeysIn(text).Count > 0 || (key == "image" && step is ContainerStep)))
            {
                inputs.Remove(key);
            }
            else if (values is not null && Deferred.KeysIn(text).Count > 0)
            {
                inputs[key] = JsonNode.Parse(Deferred.Fill(text, values));
            }
        }

        return inputs.ToJsonString();
    }

    /// <summary>Each container id a command's triggers or stdin carry, as the mock gives it (`&lt;resource name&gt;-id`); at preview, those inputs unknown.</summary>
    private static Dictionary<string, object?> WithContainerIds(Dictionary<string, object?> inputs, CommandStep step, string prefix, bool preview)
    {
        string Fill(string text) => ContainerIds.Fill(text, container => $"{prefix}{container}-id");
        if (step.Triggers.Any(t => ContainerIds.In(t).Count > 0))
        {
            if (preview)
            {
                inputs.Remove("triggers");
            }
            else
            {
                inputs["triggers"] = step.Triggers.Select(Fill).ToList();
            }
        }

        if (step.RunsAgainWhen.Any(t => ContainerIds.In(t).Count > 0))
        {
            if (preview)
            {
                inputs.Remove("stdin");
            }
            else
            {
                inputs["stdin"] = WithPassword(CommandStep.Sent(step.Stdin, step.RunsAgainWhen.Select(Fill))!);
            }
        }

        return inputs;
    }

    private static Dictionary<string, object?> Command(CommandStep step)
    {
        var inputs = new Dictionary<string, object?> { ["triggers"] = step.Triggers.ToList() };
        if (step.Script.Length > 0)
        {
            inputs["create"] = step.Script;
        }

        if (step.Delete is not null)
        {
            inputs["delete"] = step.Delete;
        }

        if (step.Update is not null)
        {
            inputs["update"] = step.Update;
        }

        if (step.StdinSent is { } stdin)
        {
            // What reaches the provider: the stdin and the values that make the step run again, the secret's placeholder
            // filled in with the stack's value.
            inputs["stdin"] = WithPassword(stdin);
        }

        if (step.Ssh is { } ssh)
        {
            inputs["connection"] = new Dictionary<string, object?>
            {
                ["host"] = ssh.Address,
                ["user"] = ssh.User,
                ["port"] = ssh.Port,
                // ConnectionArgs' own defaults (pulumi-command's SDK sets them in its constructor); the program sets neither.
                ["dialErrorLimit"] = 10,
                ["perDialTimeout"] = 15,
            };
        }

        return inputs;
    }

    private static string WithPassword(string text) =>
        Topology.Spec.Secrets.Fill(text, new Dictionary<string, string> { [Topology.Spec.Secrets.CratePasswordKey] = Deploy.CratePassword });

    private static Dictionary<string, object?> Container(ContainerStep step, ImageStep image)
    {
        var spec = step.Spec;
        var inputs = new Dictionary<string, object?>
        {
            ["name"] = spec.Name,
            // The id the RemoteImage of the step reports (the mock engine derives it from the image reference).
            ["image"] = RecordingMocks.ImageIdOf(image.Image),
            ["envs"] = spec.Environment.ToList(),
            ["healthcheck"] = new Dictionary<string, object?>
            {
                ["tests"] = spec.Health.Test.ToList(),
                ["interval"] = spec.Health.Interval,
                ["timeout"] = spec.Health.Timeout,
                ["retries"] = spec.Health.Retries,
                ["startPeriod"] = spec.Health.StartPeriod,
            },
            ["restart"] = spec.RestartPolicy,
            ["networkMode"] = spec.NetworkMode,
            ["destroyGraceSeconds"] = step.StopGraceSeconds,
            ["labels"] = spec.Labels.Select(l => new Dictionary<string, object?> { ["label"] = l.Key, ["value"] = l.Value }).ToList(),
        };
        // The program adds mounts one by one to the args' lists; with none (the nginx exporter) no volumes input is sent. A
        // bind with a propagation goes to the provider's mounts, whose bind options carry it.
        var volumes = spec.Mounts.Where(m => m.Propagation is null).ToList();
        if (volumes.Count > 0)
        {
            inputs["volumes"] = volumes.Select(Volume).ToList();
        }

        var mounts = spec.Mounts.Where(m => m.Propagation is not null).ToList();
        if (mounts.Count > 0)
        {
            inputs["mounts"] = mounts.Select(m => new Dictionary<string, object?>
            {
                ["type"] = "bind",
                ["source"] = m.Source,
                ["target"] = m.Target,
                ["readOnly"] = m.ReadOnly,
                ["bindOptions"] = new Dictionary<string, object?> { ["propagation"] = m.Propagation },
            }).ToList();
        }

        if (spec.Command.Count > 0)
        {
            inputs["command"] = spec.Command.ToList();
        }

        if (spec.User is not null)
        {
            inputs["user"] = spec.User;
        }

        if (spec.PidMode is not null)
        {
            inputs["pidMode"] = spec.PidMode;
        }

        if (spec.CapDrop.Count > 0)
        {
            inputs["capabilities"] = new Dictionary<string, object?> { ["drops"] = spec.CapDrop.ToList() };
        }

        return inputs;
    }

    private static Dictionary<string, object?> Volume(Mount mount) => new()
    {
        [mount.Kind == MountKind.Bind ? "hostPath" : "volumeName"] = mount.Source,
        ["containerPath"] = mount.Target,
        ["readOnly"] = mount.ReadOnly,
    };
}
