using System.Runtime.ExceptionServices;

namespace Infra.Live.Tests.Harness;

/// <summary>
/// The lab (src/Infra.Lab) as xunit tests use it: a body run on a fresh lab, always torn down, a leak a failure.
/// Static extension members, so a test reads `NetnsLab.Run(output, ...)` as before the lab became product code.
/// </summary>
public static class LabRuns
{
    extension(NetnsLab)
    {
        /// <summary>
        /// Runs a test body on a fresh lab and always tears it down; the body's failure wins over teardown's, and
        /// anything the teardown could not remove (process, namespace, mount) fails the test.
        /// </summary>
        public static async Task Run(ITestOutputHelper output, Func<NetnsLab, Task> body)
        {
            var lab = NetnsLab.Create(output.WriteLine);
            Exception? failure = null;
            try
            {
                await body(lab);
            }
            catch (Exception e)
            {
                failure = e;
                output.WriteLine($"FAILED: {e.GetType().Name}: {e.Message}");
                lab.WriteLogTails();
            }

            var leaks = await lab.Teardown();
            if (failure is not null)
            {
                output.WriteLine($"logs kept in {lab.RunDir}");
                if (leaks.Count > 0)
                {
                    output.WriteLine("teardown also left: " + string.Join("; ", leaks));
                }

                ExceptionDispatchInfo.Capture(failure).Throw();
            }

            Assert.True(leaks.Count == 0, "teardown left: " + string.Join("; ", leaks));
            Directory.Delete(lab.RunDir, recursive: true);
        }
    }

    extension(ContainerLab)
    {
        /// <summary>
        /// Runs a test body on fresh container hosts and always tears them down; the body's failure wins over
        /// teardown's, and anything left (process, mount, cgroup, namespace, user, sudoers file) fails the test.
        /// </summary>
        /// <param name="images">The names to tag the stand-ins with; null for hosts without images (faster).</param>
        public static async Task Run(ITestOutputHelper output, IReadOnlyList<string> hosts, ImageNames? images, Func<ContainerLab, Task> body)
        {
            ContainerLab? lab = null;
            Exception? failure = null;
            try
            {
                lab = await ContainerLab.Create(output.WriteLine, hosts, images);
                await body(lab);
            }
            catch (Exception e)
            {
                failure = e;
                output.WriteLine($"FAILED: {e.GetType().Name}: {e.Message}");
                lab?.Net.WriteLogTails();
            }

            var leaks = lab is null ? [] : await lab.Teardown();
            if (failure is not null)
            {
                if (lab is not null)
                {
                    output.WriteLine($"logs kept in {lab.Net.RunDir}");
                }

                if (leaks.Count > 0)
                {
                    output.WriteLine("teardown also left: " + string.Join("; ", leaks));
                }

                ExceptionDispatchInfo.Capture(failure).Throw();
            }

            Assert.True(leaks.Count == 0, "teardown left: " + string.Join("; ", leaks));
            Directory.Delete(lab!.Net.RunDir, recursive: true);
        }
    }
}
