namespace Infra.Lab.Containers;

/// <summary>
/// A lab host prepared like an operator's: a mount namespace of its own (a private /run, its own
/// /etc/microblog), a Docker engine and an sshd that lets the deploy user in.
/// </summary>
/// <param name="Lab">Its network namespace and address.</param>
/// <param name="Dir">Its folder under the lab's run folder.</param>
/// <param name="ConfigDir">The folder it sees as /etc/microblog.</param>
/// <param name="MountNamespacePid">The process that holds its mount namespace (`nsenter --target` it).</param>
public sealed record ContainerHost(LabHost Lab, string Dir, string ConfigDir, int MountNamespacePid)
{
    public string Name => Lab.Name;

    public string Address => Lab.Address;

    /// <summary>The engine's folder: exec root, logs, sockets; its data/ is a tmpfs only the host's mount namespace sees.</summary>
    public string DockerDir => Path.Combine(Dir, "docker");

    /// <summary>The daemon's second socket, on the shared filesystem: the harness reaches it from the root namespace.</summary>
    public string DockerSocket => Path.Combine(DockerDir, "docker.sock");

    /// <summary>Named like the host's network namespace, so a later run can tell a crashed run's containers by it.</summary>
    public string CgroupParent => Lab.Namespace;

    public string SshTarget => $"{DeployAccess.User}@{Address}";

    /// <summary>DOCKER_HOST for the docker CLI over SSH, as an operator's machine reaches the host.</summary>
    public string DockerHost => "ssh://" + SshTarget;

    public override string ToString() => $"{Name} ({Address}, container host)";
}
