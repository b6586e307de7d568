using System.Text;
using System.Text.RegularExpressions;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;

namespace Infra.Cli.Graph;

/// <summary>
/// The README's table "How a change reaches the running services", between `&lt;!-- change-costs --&gt;` and
/// `&lt;!-- /change-costs --&gt;`: made from the files the stacks render and what the core decides each change costs,
/// so the table says what `infra diff` and `pulumi up` do.
/// </summary>
public static partial class ReadmeCostTable
{
    public const string Start = "<!-- change-costs -->";

    public const string End = "<!-- /change-costs -->";

    /// <summary>The table for these topologies, every file of every run mode, one row per cost.</summary>
    public static string Table(IEnumerable<StackTopology> topologies)
    {
        var files = new SortedDictionary<ChangeAction, SortedSet<string>>();
        var steps = new Dictionary<ChangeAction, string>();
        foreach (var topology in topologies)
        {
            var modes = topology.DefaultRunMode == RunMode.Supervisord ? new[] { RunMode.Supervisord, RunMode.Containers } : [RunMode.Containers];
            foreach (var file in modes.SelectMany(mode => Render.All(topology, mode)))
            {
                (files.TryGetValue(file.OnChange, out var set) ? set : files[file.OnChange] = new SortedSet<string>(StringComparer.Ordinal)).Add($"`{Generic(file.Path)}`");
            }

            var plan = Planner.Plan(topology);
            foreach (var command in plan.Steps.OfType<CommandStep>().Where(c => c.Purpose is CommandPurpose.Reload or CommandPurpose.Restart or CommandPurpose.ApplyFirewall))
            {
                var action = command.Purpose switch
                {
                    CommandPurpose.Reload => ChangeAction.Reload,
                    CommandPurpose.Restart => plan.Services.Single(s => s.Name == command.Service).OnConfigChange,
                    _ => ChangeAction.ApplyFirewall,
                };
                steps.TryAdd(action, $"`{Generic(command.Id.Replace(command.Service ?? command.Host ?? "", command.Service is null ? "<host>" : "<service>", StringComparison.Ordinal))}`");
            }
        }

        var table = new StringBuilder("| file | a change costs | under `pulumi up` |\n|---|---|---|\n");
        foreach (var (action, paths) in files)
        {
            var step = steps.TryGetValue(action, out var id) ? $"step {id}" : action switch
            {
                ChangeAction.NextRestart => "only where supervisord runs CrateDB (dev and single-host by hand): under `pulumi up` a changed crate.yml costs the rolling restart below",
                _ => "not deployed: supervisord runs dev and single-host by hand",
            };
            table.Append($"| {string.Join(", ", paths)} | {action.Describe("the service", "the host")} | {step} |\n");
        }

        return table.ToString();
    }

    /// <summary>The README with the table block rewritten; null when it has no block.</summary>
    public static (string Text, bool Stale)? Update(string readme, string table)
    {
        var match = BlockPattern().Match(readme);
        if (!match.Success)
        {
            return null;
        }

        var stale = match.Groups["body"].Value.Replace("\r\n", "\n", StringComparison.Ordinal) != table;
        return (string.Concat(readme.AsSpan(0, match.Index), $"{Start}\n{table}{End}", readme.AsSpan(match.Index + match.Length)), stale);
    }

    private static string Generic(string path) => PortPattern().Replace(path, "-<port>");

    [GeneratedRegex(@"-\d+(?=/|$|-)")]
    private static partial Regex PortPattern();

    [GeneratedRegex(@"<!-- change-costs -->\r?\n(?<body>.*?)<!-- /change-costs -->", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
