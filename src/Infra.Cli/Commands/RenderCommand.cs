using System.CommandLine;
using System.Text;
using Infra.Cli.Output;
using Infra.Cli.Stacks;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Cli.Commands;

/// <summary>`infra render STACK [--out DIR]`: every file every host gets, as a table, optionally written out.</summary>
public static class RenderCommand
{
    /// <summary>Marks a folder as infra render's own, so a later render may write into it again.</summary>
    public const string Marker = ".infra-render";

    public const string Epilog = """
        --out DIR writes DIR/<host>/<file> (e.g. out/host1/haproxy/haproxy.cfg). DIR must be new, empty, or an earlier
        render's output: nothing is ever deleted, and files an earlier render wrote that this one does not are listed.

        Exit codes: 0 rendered, 1 a missing or invalid stack or an unusable --out folder, 2 usage error.

        Examples:
          infra render two-host
          infra render two-host --out out/two-host
          infra render stacks/Pulumi.three-host.yaml --json
          infra render three-host@main --out /tmp/three-host-main
        """;

    public static Command Build(CliContext context)
    {
        var stack = StackArgument.Declare<string>("STACK", ArgumentArity.ExactlyOne);
        var output = new Option<string?>("--out", "-o") { Description = "write one folder per host holding every file that host gets", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "print {stack, file, out, files: [{host, service, instance, ports, path, size, sha256}]} for scripts" };
        var command = new Command("render", "Render every service's config for a stack: a table of host, service, port(s), file and size.")
        {
            stack,
            output,
            json,
        };
        command.SetAction(parse => context.Guard(ExitCodes.Invalid, () =>
            Run(context, parse.GetValue(stack)!, parse.GetValue(output), parse.GetValue(json))));
        return command;
    }

    public sealed record FileRow(string Host, string Service, string? Instance, IReadOnlyList<int> Ports, string Path, int Size, string Sha256);

    public sealed record Report(string Stack, string File, string? Out, IReadOnlyList<FileRow> Files);

    private static int Run(CliContext context, string argument, string? outDir, bool json)
    {
        var loaded = context.Stacks.Load(argument);
        context.Warn(loaded.Warnings);
        var topology = loaded.Topology;
        var files = Render.All(topology);
        var rows = files.Select(f => Row(topology, f)).ToList();

        string? written = null;
        if (outDir is not null)
        {
            written = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir, context.WorkingDir));
            Write(context, loaded, files, written);
        }

        if (json)
        {
            Json.Write(context.Out, new Report(loaded.Stack, loaded.Source.File, written, rows));
            return ExitCodes.Ok;
        }

        var table = new Table("host", "service", "port(s)", "file", "size").AlignRight(4);
        foreach (var row in rows)
        {
            table.Add(row.Host, row.Service, row.Ports.Count == 0 ? "-" : string.Join(", ", row.Ports), row.Path, row.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        context.Out.Write(table.ToString());
        var hosts = rows.Select(r => r.Host).Distinct().Count();
        context.Out.WriteLine(written is null
            ? $"{loaded.Stack}: {CliContext.Count(rows.Count, "file")} for {CliContext.Count(hosts, "host")} (--out DIR writes them)"
            : $"{loaded.Stack}: wrote {CliContext.Count(rows.Count, "file")} for {CliContext.Count(hosts, "host")} to {outDir}");
        foreach (var key in files.SelectMany(f => Secrets.KeysIn(f.Content)).Distinct())
        {
            context.Out.WriteLine($"note: {Secrets.Explain(key)}");
        }

        foreach (var value in loaded.Topology.Spec.Deferred.Where(d => files.Any(f => f.Content.Contains(d.Placeholder, StringComparison.Ordinal))))
        {
            context.Out.WriteLine($"note: {Deferred.Explain(value)}");
        }

        return ExitCodes.Ok;
    }

    private static FileRow Row(StackTopology topology, RenderedFile file)
    {
        var instance = file.Instance is { } name ? topology.Instance(name) : null;
        return new FileRow(
            file.Host,
            Describe.ServiceOf(file, topology),
            file.Instance,
            instance?.Ports.ToList() ?? [],
            file.Path,
            Encoding.UTF8.GetByteCount(file.Content),
            file.Sha256);
    }

    private static void Write(CliContext context, LoadedStack stack, IReadOnlyList<RenderedFile> files, string dir)
    {
        var marker = Path.Combine(dir, Marker);
        if (File.Exists(dir))
        {
            throw new UserError($"--out {dir}: is a file, not a folder");
        }

        var previous = File.Exists(marker) ? File.ReadAllLines(marker).Skip(1).ToHashSet(StringComparer.Ordinal) : null;
        if (previous is null && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw new UserError($"--out {dir}: the folder is not empty and was not written by infra render; give a new or empty folder");
        }

        var paths = files.Select(f => $"{f.Host}/{f.Path}").ToList();
        try
        {
            Directory.CreateDirectory(dir);
            foreach (var (file, relative) in files.Zip(paths))
            {
                var path = Path.GetFullPath(Path.Combine(dir, relative));
                if (!path.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new UserError($"{relative}: would be written outside {dir}");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                file.WriteTo(path);
            }

            File.WriteAllLines(marker, [$"# infra render {stack.Source.Argument} ({stack.Source.File}); every file it wrote:", .. paths]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"--out {dir}: cannot write: {e.Message}");
        }

        foreach (var stale in (previous ?? []).Except(paths).Order(StringComparer.Ordinal))
        {
            context.Error.WriteLine($"warning: {stale} is from an earlier render and not part of this one; it was left in place");
        }
    }
}
