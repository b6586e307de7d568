using System.Runtime.CompilerServices;
using System.Text;
using Infra.Topology.Configs;
using Infra.Topology.Spec;

namespace Infra.Topology.Model;

/// <summary>
/// Which apps each haproxy lists (and so checks). Below the threshold every haproxy lists every app, as the reference
/// design draws it. Above it, every haproxy checking every app would cost each app more checks a second than
/// <see cref="CheckBudgetPerApp"/> (1,000 colocated hosts: about 5,000), so each haproxy lists a subset: stable (an app's
/// place in an haproxy's list depends only on the two names, by rendezvous hashing), balanced (every haproxy lists
/// <see cref="Plan.PerHaproxy"/> apps, every app has between <see cref="Plan.MinCheckers"/> and <see cref="Plan.MaxCheckers"/>
/// checkers) and covering (every app is listed somewhere).
/// </summary>
/// <remarks>
/// The trade-off: an haproxy with a subset has fewer spares. It still fails over within its list, as before; a request
/// reaches an app outside it only through another nginx. With 16 apps in each list a lost host costs an haproxy one of
/// them, and the load balancer spreads requests over every nginx, so every app still gets its share.
/// </remarks>
public static class AppSubsets
{
    /// <summary>Health checks a second one app should answer at most (issue 25's bound): a small, fixed cost whatever the stack's size.</summary>
    public const double CheckBudgetPerApp = 100;

    /// <summary>
    /// How far an app's number of checkers may stray from the average, either way: room for rendezvous hashing's
    /// preferences (so adding a host moves few assignments), small enough that apps get like shares of the requests.
    /// </summary>
    public const int Band = 3;

    /// <summary>Fewest apps an haproxy lists when it lists a subset: enough spares that losing a host never empties it.</summary>
    public const int MinPerHaproxy = 8;

    /// <summary>
    /// How a stack's apps are shared out: each haproxy lists <paramref name="PerHaproxy"/> apps (every app when not
    /// <paramref name="Subsetted"/>), and each app has between <paramref name="MinCheckers"/> and
    /// <paramref name="MaxCheckers"/> checkers; the most is what the budget allows after the load balancer's checks (one
    /// per nginx, each reaching an app through its haproxy).
    /// </summary>
    public sealed record Plan(int Haproxies, int Apps, int Nginx, bool Subsetted, int PerHaproxy, int MinCheckers, int MaxCheckers)
    {
        /// <summary>Checks a second an app answers at most: every checker it may have, and its share of the load balancer's.</summary>
        public double MaxChecksPerApp => Apps == 0 ? 0 : (MaxCheckers * ProxyTimeouts.ChecksPerSecond) + LoadBalancerShare(Nginx, Apps);

        /// <summary>Checks a second each haproxy sends.</summary>
        public double ChecksPerHaproxy => PerHaproxy * ProxyTimeouts.ChecksPerSecond;
    }

    /// <summary>The load balancer checks every nginx; each check reaches an app through that nginx's haproxy.</summary>
    private static double LoadBalancerShare(int nginx, int apps) => apps == 0 ? 0 : (double)nginx * ProxyTimeouts.ChecksPerSecond / apps;

    /// <summary>The threshold and the subset size for a stack, derived from the check rate and the budget.</summary>
    public static Plan PlanFor(int haproxies, int apps, int nginx)
    {
        var budgeted = Math.Max(1, (int)Math.Floor((CheckBudgetPerApp - LoadBalancerShare(nginx, apps)) / ProxyTimeouts.ChecksPerSecond));
        // The threshold: every haproxy checking every app stays within the budget.
        if (haproxies <= budgeted)
        {
            return new Plan(haproxies, apps, nginx, Subsetted: false, apps, haproxies, haproxies);
        }

        // Every app in an haproxy's list is a checker for it: haproxies x k = apps x (average checkers), the average
        // a band below the most the budget allows.
        var perHaproxy = Math.Clamp((budgeted - Band) * apps / haproxies, Math.Min(MinPerHaproxy, apps), apps);
        if (perHaproxy >= apps)
        {
            return new Plan(haproxies, apps, nginx, Subsetted: false, apps, haproxies, haproxies);
        }

        // With few apps for many haproxies the minimum list wins over the budget: the band moves up with the average.
        var average = (double)haproxies * perHaproxy / apps;
        var most = Math.Max(budgeted, (int)Math.Ceiling(average) + Band);
        return new Plan(haproxies, apps, nginx, Subsetted: true, perHaproxy, Math.Max(1, (int)Math.Floor(average) - Band), most);
    }

    public static Plan PlanFor(StackTopology topology) => Of(topology).Plan;

    /// <summary>The apps <paramref name="haproxy"/> lists, in host order.</summary>
    public static IReadOnlyList<Instance> AppsOf(StackTopology topology, Instance haproxy) => Of(topology).AppsOf(haproxy);

    /// <summary>The haproxies that list <paramref name="app"/>, in host order.</summary>
    public static IReadOnlyList<Instance> CheckersOf(StackTopology topology, Instance app) => Of(topology).CheckersOf(app);

    private static readonly ConditionalWeakTable<StackTopology, Assignment> Assignments = new();

    private static Assignment Of(StackTopology topology) => Assignments.GetValue(topology, t => new Assignment(t.Of(Role.Haproxy), t.Of(Role.App), t.Of(Role.Nginx).Count));

    /// <summary>The assignment itself, for a list of haproxies and apps (tests and the growth bench use it without a stack).</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Assign(IReadOnlyList<string> haproxies, IReadOnlyList<string> apps, int nginx) =>
        Assignment.Compute(haproxies, apps, PlanFor(haproxies.Count, apps.Count, nginx));

    private sealed class Assignment
    {
        private readonly IReadOnlyList<Instance> _haproxies;
        private readonly IReadOnlyList<Instance> _apps;
        private readonly Dictionary<string, IReadOnlyList<Instance>> _byHaproxy = new(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyList<Instance>> _byApp = new(StringComparer.Ordinal);

        public Assignment(IReadOnlyList<Instance> haproxies, IReadOnlyList<Instance> apps, int nginx)
        {
            _haproxies = haproxies;
            _apps = apps;
            Plan = PlanFor(haproxies.Count, apps.Count, nginx);
            if (!Plan.Subsetted)
            {
                return;
            }

            var lists = Compute(haproxies.Select(h => h.Name).ToList(), apps.Select(a => a.Name).ToList(), Plan);
            var checkers = apps.Select(_ => new List<Instance>()).ToArray();
            for (var h = 0; h < haproxies.Count; h++)
            {
                _byHaproxy[haproxies[h].Name] = Array.AsReadOnly(lists[h].Select(a => apps[a]).ToArray());
                foreach (var a in lists[h])
                {
                    checkers[a].Add(haproxies[h]);
                }
            }

            for (var a = 0; a < apps.Count; a++)
            {
                _byApp[apps[a].Name] = checkers[a].AsReadOnly();
            }
        }

        public Plan Plan { get; }

        public IReadOnlyList<Instance> AppsOf(Instance haproxy) => Plan.Subsetted ? _byHaproxy.GetValueOrDefault(haproxy.Name) ?? [] : _apps;

        public IReadOnlyList<Instance> CheckersOf(Instance app) => Plan.Subsetted ? _byApp.GetValueOrDefault(app.Name) ?? [] : _haproxies;

        /// <summary>
        /// Every (haproxy, app) pair gets a score from the two names alone; pairs are taken best score first while the
        /// haproxy has room in its list: first each app's best pairs up to its floor, then each haproxy's best pairs while
        /// the app is under its cap. So a pair's fate depends on the pairs that beat it, not on the order of hosts in the
        /// stack file, and a new host only takes the places its own pairs win.
        /// </summary>
        public static IReadOnlyList<IReadOnlyList<int>> Compute(IReadOnlyList<string> haproxies, IReadOnlyList<string> apps, Plan plan)
        {
            if (!plan.Subsetted)
            {
                var all = Enumerable.Range(0, apps.Count).ToArray();
                return haproxies.Select(_ => (IReadOnlyList<int>)all).ToList();
            }

            var appKeys = apps.Select(Key).ToArray();
            var haproxyKeys = haproxies.Select(Key).ToArray();
            var lists = haproxies.Select(_ => new SortedSet<int>()).ToArray();
            var load = new int[apps.Count];

            // First every app gets its floor from the haproxies it ranks highest, so no app is left to the others' leftovers;
            // then every haproxy fills its list from the apps it ranks highest, under the cap.
            Take(Best(apps.Count, haproxies.Count, 2 * plan.MinCheckers, (a, h) => Score(haproxyKeys[h], appKeys[a])).Select(p => (p.Score, H: p.Of, A: p.From)), lists, load, plan, plan.MinCheckers);
            Take(Best(haproxies.Count, apps.Count, 3 * plan.PerHaproxy, (h, a) => Score(haproxyKeys[h], appKeys[a])).Select(p => (p.Score, H: p.From, A: p.Of)), lists, load, plan, plan.MaxCheckers);

            for (var h = 0; h < haproxies.Count; h++)
            {
                if (lists[h].Count < plan.PerHaproxy)
                {
                    Fill(lists[h], Key(haproxies[h]), appKeys, load, plan);
                }
            }

            return lists.Select(l => (IReadOnlyList<int>)l.ToArray()).ToList();
        }

        /// <summary>
        /// Each of the <paramref name="from"/> side's best-scoring partners on the other side, at least <paramref name="count"/>
        /// of them: scores are uniform, so those above the matching quantile are about the best; a side short of them looks lower.
        /// </summary>
        private static List<(ulong Score, int From, int Of)> Best(int from, int of, int count, Func<int, int, ulong> score)
        {
            count = Math.Min(count, of);
            var pairs = new List<(ulong Score, int From, int Of)>(from * count * 3 / 2);
            var found = new List<(ulong Score, int From, int Of)>();
            for (var f = 0; f < from; f++)
            {
                for (var share = 1.5 * count / of; ; share *= 2)
                {
                    var threshold = share >= 1 ? 0 : (ulong)((1 - share) * ulong.MaxValue);
                    found.Clear();
                    for (var o = 0; o < of; o++)
                    {
                        var s = score(f, o);
                        if (s >= threshold)
                        {
                            found.Add((s, f, o));
                        }
                    }

                    if (found.Count >= count)
                    {
                        break;
                    }
                }

                pairs.AddRange(found);
            }

            return pairs;
        }

        /// <summary>Pairs best score first, each taken while its haproxy's list has room and its app has fewer than <paramref name="limit"/> checkers.</summary>
        private static void Take(IEnumerable<(ulong Score, int H, int A)> candidates, SortedSet<int>[] lists, int[] load, Plan plan, int limit)
        {
            var pairs = candidates.ToList();
            pairs.Sort((x, y) => y.Score != x.Score ? y.Score.CompareTo(x.Score) : x.H != y.H ? x.H.CompareTo(y.H) : x.A.CompareTo(y.A));
            foreach (var (_, h, a) in pairs)
            {
                if (lists[h].Count < plan.PerHaproxy && load[a] < limit && lists[h].Add(a))
                {
                    load[a]++;
                }
            }
        }

        /// <summary>A list its candidates could not fill: the best-scoring apps under their cap, else the least loaded.</summary>
        private static void Fill(SortedSet<int> list, ulong key, ulong[] appKeys, int[] load, Plan plan)
        {
            while (list.Count < plan.PerHaproxy)
            {
                var (best, bestUnder, bestScore) = (-1, false, 0UL);
                for (var a = 0; a < appKeys.Length; a++)
                {
                    if (list.Contains(a))
                    {
                        continue;
                    }

                    var under = load[a] < plan.MaxCheckers;
                    var score = Score(key, appKeys[a]);
                    var better = best < 0 || (under && !bestUnder) ||
                        (under == bestUnder && (under ? score > bestScore : load[a] < load[best] || (load[a] == load[best] && score > bestScore)));
                    if (better)
                    {
                        (best, bestUnder, bestScore) = (a, under, score);
                    }
                }

                list.Add(best);
                load[best]++;
            }
        }

        /// <summary>FNV-1a of the name: the same on every machine and every run (string.GetHashCode is not).</summary>
        private static ulong Key(string name)
        {
            var hash = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(name))
            {
                hash = (hash ^ b) * 1099511628211UL;
            }

            return hash;
        }

        /// <summary>Rendezvous score of a pair: SplitMix64's finalizer over the two keys, so near names score unrelated.</summary>
        private static ulong Score(ulong haproxy, ulong app)
        {
            var z = haproxy ^ (app * 0x9E3779B97F4A7C15UL) ^ (app >> 29);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
