using System.CommandLine;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Cli.Stacks;

/// <summary>
/// What a STACK argument names: a stack (`two-host` -> stacks/Pulumi.two-host.yaml), a stack file
/// (`stacks/Pulumi.two-host.yaml`, `../other/Pulumi.x.yaml`), or either at a git revision (`two-host@HEAD~1`).
/// </summary>
public sealed class StackArgument(string workingDir)
{
    public const string Help = "a stack name (two-host), a stack file (stacks/Pulumi.two-host.yaml), or either at a git revision (two-host@main)";

    /// <summary>A STACK argument of a command; a token like `--bogus` is a misspelt option, not a stack.</summary>
    public static Argument<T> Declare<T>(string name, ArgumentArity arity, string? more = null)
    {
        var argument = new Argument<T>(name) { Description = more is null ? Help : $"{Help}; {more}", Arity = arity };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-')))
            {
                result.AddError($"unknown option {token.Value}");
            }
        });
        return argument;
    }

    private RepoRoot? _root;
    private bool _rootSearched;

    private RepoRoot? Root
    {
        get
        {
            if (!_rootSearched)
            {
                _root = RepoRoot.Find(workingDir);
                _rootSearched = true;
            }

            return _root;
        }
    }

    public StackSource Read(string argument)
    {
        if (argument.Length == 0)
        {
            throw new UserError("an empty STACK: give " + Help);
        }

        var full = Path.GetFullPath(argument, workingDir);
        if (File.Exists(full) || Directory.Exists(full))
        {
            return ReadFile(argument, full);
        }

        var at = argument.LastIndexOf('@');
        if (at > 0)
        {
            return ReadAtRevision(argument, argument[..at], argument[(at + 1)..]);
        }

        if (LooksLikePath(argument))
        {
            throw new UserError($"{argument}: no such stack file");
        }

        var root = RequireRoot(argument);
        var file = root.StackFileOf(argument);
        var path = Path.Combine(root.Path, file);
        if (!File.Exists(path))
        {
            throw new UserError($"no stack \"{argument}\": {file} does not exist{KnownStacks(root, argument)}");
        }

        return ReadFile(argument, path, file);
    }

    /// <summary>Reads and checks a stack; an invalid one throws with every error, warnings go back to the caller.</summary>
    public LoadedStack Load(string argument) => Load(Read(argument));

    public static LoadedStack Load(StackSource source)
    {
        var result = source.Load();
        if (!result.Ok)
        {
            throw new InvalidStack(source, result.Diagnostics);
        }

        return new LoadedStack(source, TopologyResolver.Resolve(result.Spec!), result.Warnings.ToList());
    }

    private StackSource ReadAtRevision(string argument, string stack, string revision)
    {
        var root = RequireRoot(argument);
        string file;
        var full = Path.GetFullPath(stack, workingDir);
        if (LooksLikePath(stack))
        {
            file = Path.GetRelativePath(root.Path, full).Replace('\\', '/');
            if (file.StartsWith("../", StringComparison.Ordinal))
            {
                throw new UserError($"{argument}: {stack} is outside the project at {root.Path}");
            }
        }
        else
        {
            file = root.StackFileOf(stack);
        }

        var bytes = Git.Show(root.Path, revision, file, argument);
        return new StackSource(argument, ConfigSources.StackNameOf(file), $"{file}@{revision}", bytes);
    }

    private StackSource ReadFile(string argument, string path, string? display = null)
    {
        if (Directory.Exists(path))
        {
            throw new UserError($"{argument}: is a folder, not a stack file (give a file such as stacks/Pulumi.two-host.yaml, or a stack name)");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{argument}: cannot read the stack file: {e.Message}");
        }

        return new StackSource(argument, ConfigSources.StackNameOf(path), display ?? argument, bytes);
    }

    private RepoRoot RequireRoot(string argument) =>
        Root ?? throw new UserError(
            $"{argument}: no Pulumi.yaml in {workingDir} or any folder above it, so stack names cannot be found; run infra inside the project, or give a path to a stack file");

    private static bool LooksLikePath(string argument) =>
        argument.Contains('/') || argument.Contains('\\') || argument.EndsWith(".yaml", StringComparison.Ordinal) || argument.EndsWith(".yml", StringComparison.Ordinal);

    private static string KnownStacks(RepoRoot root, string name)
    {
        var names = root.StackNames();
        if (names.Count == 0)
        {
            return $" (there are no stack files in {root.StackConfigDir}/)";
        }

        var closest = Suggest.Closest(name, names);
        var hint = closest is null ? "" : $"did you mean \"{closest}\"? ";
        return $" ({hint}stacks: {string.Join(", ", names)})";
    }
}

/// <summary>A stack whose file has errors: the caller prints every diagnostic.</summary>
public sealed class InvalidStack(StackSource source, IReadOnlyList<Diagnostic> diagnostics)
    : Exception($"{source.Argument}: the stack file has errors")
{
    public StackSource Stack { get; } = source;

    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}
