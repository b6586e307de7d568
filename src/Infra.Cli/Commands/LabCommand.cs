using System.CommandLine;
using System.Runtime.Versioning;
using System.Text;
using Infra.Cli.Stacks;
using Infra.Lab.Session;

namespace Infra.Cli.Commands;

/// <summary>
/// `infra lab up|apply|status|down`: any stack running on this machine, its hosts as network namespaces, to try a
/// topology or a change before deploying it. The work is the lab's (src/Infra.Lab, what the live tests run); this
/// file only reads the arguments, checks the machine and turns outcomes into exit codes.
/// </summary>
[SupportedOSPlatform("linux")]
public static class LabCommand
{
    public const string Epilog = """
        The lab never contacts the stack's addresses: each host becomes a network namespace at a lab address
        (10.232.0.0/24), prepared as "What to prepare" in the README says, and this machine is linked to it
        (10.232.0.1 on the link mblab0), so the front door answers here at the printed URL.
        dev and single-host run under their rendered supervisord; every other layout runs as containers from its
        plan, over SSH, on STAND-IN images (Debian 13 builds tagged with the stack's image names: the test app for
        the app, a CrateDB double for CrateDB: CrateDB cannot be had here). The daemons outlive each command; the
        state is in /var/lib/microblog-lab. One lab at a time. Needs root.

        Exit codes: 0 ok, 1 invalid input (a missing or invalid stack; another stack's lab runs; no lab runs),
        2 usage error, 3 the lab run failed (a step or check failed: its output says which; `up` removes what it
        started; after a failed `apply` what succeeded is kept, and `apply` again takes up where it stopped, as a second
        `pulumi up` would), 4 `apply --load` delivered the change but requests failed during it (the last line says how
        many), 69 a Debian package is missing (the message names the install command), 77 not root.

        Examples:
          sudo ./infra lab up two-host
          sudo ./infra lab apply two-host --load        (after editing stacks/Pulumi.two-host.yaml)
          sudo ./infra lab apply ~/try/Pulumi.two-host.yaml --load   (an edited copy: the file name names the stack)
          sudo ./infra lab status
          sudo ./infra lab down
        """;

    public const int Failed = 3;

    /// <summary>`apply --load`: the change went through, but requests failed while it did.</summary>
    public const int RequestsFailed = 4;
    public const int Unavailable = 69;
    public const int NeedsRoot = 77;

    public static Command Build(CliContext context, Prerequisites machine)
    {
        var up = StackCommand(context, machine, "up", "Run a stack on this machine: its hosts as network namespaces, the plan step by step, the front door at a printed URL.",
            (session, stack, load) => session.Up(stack, load));
        var apply = StackCommand(context, machine, "apply", "Deliver a changed stack file to the stack running in the lab, each step as the plan orders it; --load measures what traffic sees.",
            (session, stack, load) => session.Apply(stack, load));

        var status = new Command("status", "What runs in the lab, where, and the health of each service; whether the front door answers.");
        status.SetAction(parse => Run(context, machine, "lab status", session => session.Status()));

        var down = new Command("down", "Remove everything of the lab: containers, daemons, namespaces, mounts, the deploy user it made; also after a crash.");
        down.SetAction(parse => Run(context, machine, "lab down", async session =>
        {
            if ((await session.Down()).Count > 0)
            {
                throw new LabRunFailed("some of the lab could not be removed (listed above)");
            }
        }));

        return new Command("lab", "Any stack running on this machine, to try a topology or a change before deploying it (needs root).")
        {
            up,
            apply,
            status,
            down,
        };
    }

    private static Command StackCommand(CliContext context, Prerequisites machine, string name, string description, Func<LabSession, LabStackFile, bool, Task> action)
    {
        var stack = StackArgument.Declare<string>("STACK", ArgumentArity.ExactlyOne);
        var load = new Option<bool>("--load")
        {
            Description = name == "up"
                ? "when the stack is up already and its file changed: steady GETs on the front door during the change (see apply)"
                : "steady GETs on the front door during the change: prints requests, failures and worst latency at the end",
        };
        var command = new Command(name, description) { stack, load };
        command.SetAction(parse => context.Guard(ExitCodes.Invalid, () =>
        {
            var loaded = context.Stacks.Load(parse.GetValue(stack)!);
            context.Warn(loaded.Warnings);
            if (loaded.Topology.Spec.Deferred.Count > 0)
            {
                // The lab runs what a stack file writes; an output of another stack is known to `pulumi up` alone.
                throw new UserError($"{loaded.Source.File}: the lab runs values a stack file writes, and this one takes {string.Join(", ", loaded.Topology.Spec.Deferred.Select(d => $"{d.Key} ({d.Source})"))} from elsewhere: write the values to run it in the lab");
            }

            var file = new LabStackFile(loaded.Topology.Spec, Encoding.UTF8.GetString(loaded.Source.Bytes).TrimStart('\uFEFF'), loaded.Source.File);
            var tier = LabSession.TierOf(file.Spec);
            if (machine.Problem(tier, LabSession.ServersOf(file.Spec), $"lab {name} {parse.GetValue(stack)}") is { } problem)
            {
                return Refuse(context, problem, machine);
            }

            return Run(context, machine, null, session => action(session, file, parse.GetValue(load)));
        }));
        return command;
    }

    /// <summary>Runs a lab command; <paramref name="checkAs"/> names a command that needs only root (status, down).</summary>
    private static int Run(CliContext context, Prerequisites machine, string? checkAs, Func<LabSession, Task> action)
    {
        if (checkAs is not null && !machine.IsRoot())
        {
            return Refuse(context, machine.Problem(LabTier.Processes, [], checkAs)!, machine);
        }

        // The lab's daemons outlive this command: they must not keep open what its caller handed it (a lock, a pipe).
        Infra.Lab.Native.KeepInheritedDescriptorsFromChildren();
        var session = new LabSession(context.Out.WriteLine);
        try
        {
            action(session).GetAwaiter().GetResult();
            return ExitCodes.Ok;
        }
        catch (LabRefused e)
        {
            context.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Invalid;
        }
        catch (LabLoadFailed e)
        {
            context.Error.WriteLine($"infra lab: {e.Message}");
            return RequestsFailed;
        }
        catch (Exception e) when (e is LabRunFailed or InvalidOperationException or TimeoutException or IOException)
        {
            context.Error.WriteLine($"infra lab: failed: {e.Message}");
            return Failed;
        }
    }

    private static int Refuse(CliContext context, string problem, Prerequisites machine)
    {
        context.Error.WriteLine(problem);
        return machine.IsRoot() ? Unavailable : NeedsRoot;
    }

    private sealed class LabRunFailed(string message) : Exception(message);
}
