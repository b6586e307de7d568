namespace Infra.Topology.Plan;

/// <summary>
/// A container step as `docker create` arguments: how a runner outside Pulumi (the lab, an operator by hand) makes
/// the container Pulumi's Docker provider makes. Every field of <see cref="ContainerSpec"/> is mapped here and in the
/// Pulumi program; a test changes each field and sees the arguments change, so neither can drop one.
/// </summary>
public static class DockerCli
{
    public static IReadOnlyList<string> CreateArguments(ContainerSpec spec)
    {
        var args = new List<string> { "create", "--name", spec.Name, "--network", spec.NetworkMode, "--restart", spec.RestartPolicy };
        if (spec.User is { } user)
        {
            args.AddRange(["--user", user]);
        }

        foreach (var variable in spec.Environment)
        {
            args.AddRange(["--env", variable]);
        }

        foreach (var mount in spec.Mounts)
        {
            var kind = mount.Kind == MountKind.Bind ? "bind" : "volume";
            args.AddRange(["--mount", $"type={kind},source={mount.Source},target={mount.Target}" + (mount.ReadOnly ? ",readonly" : "")]);
        }

        foreach (var label in spec.Labels)
        {
            args.AddRange(["--label", $"{label.Key}={label.Value}"]);
        }

        args.AddRange(
        [
            "--health-cmd", HealthCommand(spec.Health.Test),
            "--health-interval", spec.Health.Interval,
            "--health-timeout", spec.Health.Timeout,
            "--health-retries", spec.Health.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--health-start-period", spec.Health.StartPeriod,
        ]);
        args.Add(spec.Image);
        args.AddRange(spec.Command);
        return args;
    }

    /// <summary>
    /// `--health-cmd` takes shell text (Docker's CMD-SHELL); the spec's exec form (CMD, argv...) becomes the same
    /// argv, each word quoted, so the shell runs exactly that program with exactly those arguments.
    /// </summary>
    public static string HealthCommand(EquatableArray<string> test) => test.Count > 0 && test[0] == "CMD"
        ? string.Join(' ', test.Skip(1).Select(Scripts.Quote))
        : test.Count > 1 && test[0] == "CMD-SHELL" ? test[1] : throw new ArgumentException($"a health check test starts with CMD or CMD-SHELL, not `{string.Join(' ', test)}`", nameof(test));
}
