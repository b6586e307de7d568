using System.Runtime.InteropServices;

namespace Infra.Lab;

public static partial class Native
{
    public const int SIGKILL = 9;
    public const int SIGUSR2 = 12;
    public const int SIGTERM = 15;
    public const int SIGHUP = 1;
    public const int SIGSTOP = 19;
    public const int SIGCONT = 18;
    public const int CLONE_NEWNET = 0x40000000;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close_range(uint first, uint last, int flags);

    private const int CLOSE_RANGE_CLOEXEC = 4;

    /// <summary>
    /// Marks every descriptor this process inherited (3 and up) close-on-exec, so a daemon it starts does not hold
    /// them: a lab daemon that kept its caller's `flock` descriptor open held that lock until `infra lab down`.
    /// </summary>
    public static void KeepInheritedDescriptorsFromChildren()
    {
        if (close_range(3, uint.MaxValue, CLOSE_RANGE_CLOEXEC) != 0)
        {
            throw new IOException($"close_range: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends a signal to one process, or to a process group when <paramref name="pid"/> is negative.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>
    /// The network namespace behind a /run/netns file, as /proc/PID/ns/net names it (`net:[inode]`). Read from
    /// a thread inside it: the bind-mounted file itself reads back as its own path, not as the namespace.
    /// </summary>
    public static string NetId(string nsPath) =>
        InNamespace(nsPath, () => new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? throw new IOException($"no namespace link for {nsPath}"));

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread moved into the namespace. A socket created there
    /// stays in that namespace for its whole life, whichever thread uses it later.
    /// </summary>
    public static T InNamespace<T>(string nsPath, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            var fd = open(nsPath, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
            {
                error = new IOException($"cannot open {nsPath}: errno {Marshal.GetLastPInvokeError()}");
                return;
            }

            try
            {
                if (setns(fd, CLONE_NEWNET) != 0)
                {
                    error = new IOException($"setns {nsPath}: errno {Marshal.GetLastPInvokeError()}");
                    return;
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                close(fd);
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw error;
        }

        return result!;
    }
}
