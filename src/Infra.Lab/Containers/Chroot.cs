namespace Infra.Lab.Containers;

/// <summary>
/// A script run as root in a chroot of the cached base: the tree read-only, /proc and /dev mounted (nginx's
/// /dev/stdout needs /proc), a scratch tmpfs on /tmp, and the given files in /tmp/in. Every mount is made in a
/// mount namespace of the command's own, so none outlives it, whatever happens to it.
/// </summary>
public static class Chroot
{
    private const string Setup = """
        set -e
        R=$1 in=$2 script=$3
        mount --bind "$R" "$R"
        mount -o remount,bind,ro "$R"
        mount -t proc proc "$R/proc"
        mount --bind /dev "$R/dev"
        mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
        mkdir "$R/tmp/in"
        mount --bind -o ro "$in" "$R/tmp/in"
        exec chroot "$R" /bin/sh -c "$script"
        """;

    public static ShellResult Run(BaseRootfs rootfs, string script, IReadOnlyDictionary<string, string>? files = null, TimeSpan? timeout = null)
    {
        var input = Directory.CreateTempSubdirectory("microblog-chroot-");
        try
        {
            foreach (var (name, content) in files ?? new Dictionary<string, string>())
            {
                File.WriteAllText(Path.Combine(input.FullName, name), content);
            }

            return Shell.Run("unshare", ["--mount", "--propagation", "private", "sh", "-c", Setup, "sh", rootfs.Rootfs, input.FullName, script], timeout: timeout);
        }
        finally
        {
            input.Delete(recursive: true);
        }
    }
}
