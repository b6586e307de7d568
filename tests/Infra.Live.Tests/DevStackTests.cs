using System.Text.Json;
using Infra.Live.Tests.Harness;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>The reference design's first picture, rendered and run: supervisord starts the app and a CrateDB double on one host.</summary>
public sealed class DevStackTests(ITestOutputHelper output)
{
    [LiveFact("supervisord", "supervisorctl", "nft")]
    public async Task Dev_stack_runs_under_its_rendered_supervisord_and_the_app_reaches_crate()
    {
        await NetnsLab.Run(output, async lab =>
        {
            var stack = await LiveStack.Start(lab, Stacks.Spec("dev"));
            var app = stack.Topology.Of(Role.App).Single();
            var crate = stack.Topology.Of(Role.Crate).Single();

            var reach = JsonDocument.Parse((await lab.Get(stack.Client, stack.Url(app, "/__crate"))).Body).RootElement.GetProperty("crate");
            Assert.Equal($"127.0.0.1:{crate.Port}", reach[0].GetProperty("node").GetString());
            Assert.True(reach[0].GetProperty("reachable").GetBoolean(), reach.ToString());

            var node = JsonDocument.Parse((await lab.Get(stack.Client, stack.Url(crate))).Body).RootElement;
            Assert.Equal(crate.Name, node.GetProperty("name").GetString());

            var result = await lab.StartLoad(stack.Client, stack.FrontUrl(), count: 500).Result(TimeSpan.FromSeconds(30));
            output.WriteLine(result.ToString());
            Assert.Equal(500, result.Ok);
            Assert.Equal(500, result.ServedBy[app.Name]);

            // supervisord calls a program RUNNING once it has stayed up for startsecs (1 s by default).
            var status = "";
            await Bounded.Until("app and crate RUNNING under supervisord", TimeSpan.FromSeconds(10), () =>
            {
                status = stack.Supervisorctl("localhost", "status").Stdout;
                return status.Contains("app:app_9210", StringComparison.Ordinal)
                    && status.Split('\n', StringSplitOptions.RemoveEmptyEntries).All(l => l.Contains("RUNNING", StringComparison.Ordinal));
            }, pollMs: 200, lastSeen: () => status);
        });
    }
}
