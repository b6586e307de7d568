namespace Infra.Lab.Containers;

/// <summary>The docker CLI from the test process, straight to one lab daemon's second socket (the harness's own checks).</summary>
public static class LabDocker
{
    /// <summary>docker.io's CLI, the daemon's own version; a newer CLI earlier on PATH would want BuildKit for `docker build`.</summary>
    public static string Program { get; } = File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

    public static ShellResult Run(string socket, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null) =>
        Shell.Run("env", Command(socket).Concat(args), stdin, timeout);

    /// <summary>The arguments of `env` that run the docker CLI against <paramref name="socket"/>.</summary>
    public static IEnumerable<string> Command(string socket) => ["DOCKER_BUILDKIT=0", Program, "-H", "unix://" + socket];

    public static ShellResult Check(string socket, params string[] args)
    {
        var result = Run(socket, args);
        return result.Ok ? result : throw new InvalidOperationException(result.ToString());
    }
}
