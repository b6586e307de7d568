using Infra.Cli.Diff;

namespace Infra.Cli.Tests;

public class UnifiedDiffTests
{
    private static string Lines(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"l{i}\n"));

    [Fact]
    public void Equal_texts_have_no_diff() => Assert.Equal("", UnifiedDiff.Of("a\n", "a\n", "a", "b"));

    [Fact]
    public void A_change_gets_three_lines_of_context()
    {
        var diff = UnifiedDiff.Of(Lines(1, 10), Lines(1, 10).Replace("l5\n", "five\n"), "a/x", "b/x");

        Assert.Equal("--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+five\n l6\n l7\n l8\n", diff);
    }

    [Fact]
    public void Changes_far_apart_are_separate_hunks_and_near_ones_share_one()
    {
        var far = UnifiedDiff.Of(Lines(1, 20), Lines(1, 20).Replace("l2\n", "two\n").Replace("l18\n", "eighteen\n"), "a", "b");
        var near = UnifiedDiff.Of(Lines(1, 20), Lines(1, 20).Replace("l2\n", "two\n").Replace("l8\n", "eight\n"), "a", "b");

        Assert.Equal(2, far.Split('\n').Count(l => l.StartsWith("@@", StringComparison.Ordinal)));
        Assert.Contains("@@ -1,5 +1,5 @@\n", far);
        Assert.Contains("@@ -15,6 +15,6 @@\n", far);
        Assert.Contains("@@ -1,11 +1,11 @@\n", near);
    }

    [Fact]
    public void Added_lines_at_the_end_and_a_missing_final_newline_are_marked()
    {
        Assert.Equal("--- a\n+++ b\n@@ -1,3 +1,4 @@\n l1\n l2\n l3\n+l4\n", UnifiedDiff.Of(Lines(1, 3), Lines(1, 4), "a", "b"));
        Assert.Equal("--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n", UnifiedDiff.Of("x", "x\n", "a", "b"));
        Assert.Equal("--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n", UnifiedDiff.Of("", "a\nb\n", "a", "b"));
    }
}
