using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;

namespace Infra.Cli.Diff;

/// <summary>
/// `diff -u` output (--- / +++ headers, @@ hunks, 3 lines of context) from DiffPlex's line diff. Not DiffPlex's own
/// UnidiffRenderer (1.9): compared on the same texts it counts a file's final newline as one more, empty line (every
/// hunk that reaches the end gets a `+`/`-` of nothing and one line too many in its range), writes an empty side as
/// `-1,0` where diff(1) and patch(1) expect `-0,0`, and has no `\ No newline at end of file` marker (a final newline
/// added shows as an empty line added). Git, patch and reviewers read this output; it has to be diff(1)'s.
/// </summary>
public static class UnifiedDiff
{
    public const int Context = 3;

    private static readonly CustomFunctionChunker Lines = new(SplitLines);

    /// <summary>The unified diff of two texts; empty when they are equal.</summary>
    public static string Of(string oldText, string newText, string oldLabel, string newLabel)
    {
        if (oldText == newText)
        {
            return "";
        }

        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        var blocks = Differ.Instance.CreateDiffs(oldText, newText, ignoreWhiteSpace: false, ignoreCase: false, Lines).DiffBlocks;

        var output = new StringBuilder();
        output.Append("--- ").Append(oldLabel).Append('\n');
        output.Append("+++ ").Append(newLabel).Append('\n');

        var i = 0;
        while (i < blocks.Count)
        {
            // A hunk takes every following block whose gap to the previous one fits in the shared context.
            var j = i;
            while (j + 1 < blocks.Count && blocks[j + 1].DeleteStartA - (blocks[j].DeleteStartA + blocks[j].DeleteCountA) <= 2 * Context)
            {
                j++;
            }

            var startA = Math.Max(0, blocks[i].DeleteStartA - Context);
            var startB = Math.Max(0, blocks[i].InsertStartB - Context);
            var endA = Math.Min(a.Count, blocks[j].DeleteStartA + blocks[j].DeleteCountA + Context);
            var endB = Math.Min(b.Count, blocks[j].InsertStartB + blocks[j].InsertCountB + Context);

            output.Append("@@ -").Append(Range(startA, endA - startA)).Append(" +").Append(Range(startB, endB - startB)).Append(" @@\n");
            var lineA = startA;
            for (var k = i; k <= j; k++)
            {
                var block = blocks[k];
                for (; lineA < block.DeleteStartA; lineA++)
                {
                    Line(output, ' ', a, lineA);
                }

                for (var d = 0; d < block.DeleteCountA; d++)
                {
                    Line(output, '-', a, block.DeleteStartA + d);
                }

                for (var n = 0; n < block.InsertCountB; n++)
                {
                    Line(output, '+', b, block.InsertStartB + n);
                }

                lineA = block.DeleteStartA + block.DeleteCountA;
            }

            for (; lineA < endA; lineA++)
            {
                Line(output, ' ', a, lineA);
            }

            i = j + 1;
        }

        return output.ToString();
    }

    /// <summary>
    /// Lines without their terminators; a final newline ends the last line rather than starting an empty one.
    /// A last line without one carries diff's marker, so it differs from the same text with a newline.
    /// </summary>
    private static IReadOnlyList<string> SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Split('\n');
        if (text.EndsWith('\n'))
        {
            return lines[..^1];
        }

        lines[^1] += NoNewline;
        return lines;
    }

    private const string NoNewline = "\n\\ No newline at end of file";

    private static void Line(StringBuilder output, char mark, IReadOnlyList<string> lines, int index) =>
        output.Append(mark).Append(lines[index]).Append('\n');

    private static string Range(int start, int count) => count switch
    {
        0 => $"{start},0",
        1 => $"{start + 1}",
        _ => $"{start + 1},{count}",
    };
}
