using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Traktor.Ecs.Net.Fuzz.Engine;
using Traktor.Ecs.Net.Fuzz.Targets;

namespace Traktor.Ecs.Net.Fuzz;

/// <summary>
/// The commands: <c>fuzz &lt;target|all&gt; &lt;seconds&gt;</c>, <c>replay &lt;target|all&gt;</c> (the corpus, or
/// given files, once), <c>seed</c> (regenerate the seed corpus from real traffic) and <c>list</c>.
/// Exit code 0 when the oracle held for every input, 1 when anything was found, 2 for a usage error.
/// </summary>
public static class Runner
{
    public static int Start(string[] args)
    {
        CoverageMap.Install();
        try
        {
            return Run(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"fuzz: {e.Message}");
            Console.Error.WriteLine("usage: fuzz <target|all> <seconds> | replay <target|all> [files...] | seed | list   [--corpus DIR] [--findings DIR] [--seed N] [--executions N] [--max-len N] [--keep-going] [--queue DIR] [--report FILE] [--timeout SECONDS] [--verbose]");
            return 2;
        }
    }

    private static int Run(string[] args)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--keep-going" or "--verbose" or "--instrumented") flags.Add(args[i]);
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
                options[args[i]] = args[++i];
            }
            else positional.Add(args[i]);
        }
        if (positional.Count == 0) throw new ArgumentException("No command.");
        var settings = new FuzzSettings
        {
            CorpusDirectory = options.GetValueOrDefault("--corpus") ?? Path.Combine(AppContext.BaseDirectory, "Corpus"),
            FindingsDirectory = options.GetValueOrDefault("--findings") ?? Path.Combine(Directory.GetCurrentDirectory(), "artifacts", "fuzz", "findings"),
            Seed = options.TryGetValue("--seed", out var seed) ? int.Parse(seed, CultureInfo.InvariantCulture) : Environment.TickCount & int.MaxValue,
            MaxLength = options.TryGetValue("--max-len", out var max) ? int.Parse(max, CultureInfo.InvariantCulture) : 4096,
            KeepGoing = flags.Contains("--keep-going"),
            Verbose = flags.Contains("--verbose"),
            QueueDirectory = options.GetValueOrDefault("--queue"),
            ReportFile = options.GetValueOrDefault("--report"),
            Timeout = TimeSpan.FromSeconds(options.TryGetValue("--timeout", out var timeout) ? double.Parse(timeout, CultureInfo.InvariantCulture) : 10),
            Executions = options.TryGetValue("--executions", out var executions) ? long.Parse(executions, CultureInfo.InvariantCulture) : null,
        };
        bool instrumented = flags.Contains("--instrumented");
        switch (positional[0])
        {
            case "list":
                foreach (var target in FuzzTargets.All) Console.WriteLine($"{target.Name,-16} {target.Description}");
                return 0;
            case "seed":
                return Seed(settings);
            case "replay":
                return Replay(positional.Count > 1 ? positional[1] : "all", positional.Skip(2).ToList(), settings);
            case "fuzz":
                if (positional.Count < 3 || !double.TryParse(positional[2], CultureInfo.InvariantCulture, out double seconds) || seconds <= 0)
                    throw new ArgumentException("fuzz needs a target (or all) and a positive number of seconds.");
                if (!instrumented) Console.Error.WriteLine("fuzz: warning: the library is not instrumented; the run is blind (no coverage feedback).");
                return Fuzz(positional[1], TimeSpan.FromSeconds(seconds), settings, instrumented);
            default:
                throw new ArgumentException($"Unknown command '{positional[0]}'.");
        }
    }

    private static int Fuzz(string name, TimeSpan duration, FuzzSettings settings, bool instrumented)
    {
        var targets = FuzzTargets.Select(name);
        using var watchdog = new Watchdog(settings.Timeout, (target, input) => settings.Save(target, input));
        var results = new List<FuzzResult>();
        string budget = settings.Executions is { } count ? $"{count:N0} mutated inputs" : $"{duration.TotalSeconds:0.#} s";
        Console.WriteLine($"fuzz: {targets.Count} target(s), {budget} each, seed {settings.Seed}, inputs up to {settings.MaxLength} bytes, corpus {settings.CorpusDirectory}");
        if (!SelfTest.Run(settings, watchdog)) return 1;
        foreach (var target in targets)
        {
            var corpus = LoadCorpus(settings.CorpusDirectory, target.Name);
            var loop = new FuzzLoop(target, new FuzzSettings
            {
                CorpusDirectory = settings.CorpusDirectory,
                FindingsDirectory = settings.FindingsDirectory,
                Seed = settings.Seed,
                MaxLength = settings.MaxLength,
                KeepGoing = settings.KeepGoing,
                Verbose = settings.Verbose,
                QueueDirectory = settings.QueueDirectory is { } q ? Path.Combine(q, target.Name) : null,
                Timeout = settings.Timeout,
                Executions = settings.Executions,
            }, watchdog);
            var result = loop.Run(corpus, duration);
            results.Add(result);
            Console.WriteLine($"fuzz: {result.Summary}");
            if (instrumented && result.Edges == 0)
            {
                Console.Error.WriteLine($"fuzz: {target.Name}: no edge was ever hit: the instrumentation is not live, so this run was blind");
                return 1;
            }
            if (settings.ReportFile is { } report)
            {
                File.AppendAllText(report, JsonSerializer.Serialize(new
                {
                    result.Target,
                    result.Seconds,
                    result.Executions,
                    result.ExecutionsPerSecond,
                    result.Edges,
                    result.CorpusReplayed,
                    result.Queue,
                    result.MaxAllocated,
                    result.AllocationBudget,
                    Findings = result.Findings.Select(f => f.Signature).Distinct().ToArray(),
                    result.Digest,
                    settings.Seed,
                    Date = DateTimeOffset.UtcNow,
                }) + Environment.NewLine);
            }
        }
        int found = results.Sum(r => r.Findings.Count);
        Console.WriteLine($"fuzz: {results.Sum(r => r.Executions):N0} executions, {found} findings");
        return found == 0 ? 0 : 1;
    }

    private static int Replay(string name, List<string> files, FuzzSettings settings)
    {
        using var watchdog = new Watchdog(settings.Timeout, (target, input) => settings.Save(target, input));
        int found = 0;
        foreach (var target in FuzzTargets.Select(name))
        {
            var inputs = files.Count > 0 ? files.Select(File.ReadAllBytes).ToList() : LoadCorpus(settings.CorpusDirectory, target.Name);
            var loop = new FuzzLoop(target, settings, watchdog);
            CoverageMap.ForgetAll();
            foreach (var input in inputs) loop.Execute(input);
            found += loop.Findings.Count;
            Console.WriteLine($"replay: {target.Name,-16} {inputs.Count} inputs, {CoverageMap.Edges} edges, {loop.Findings.Count} findings");
        }
        return found == 0 ? 0 : 1;
    }

    /// <summary>How the <c>seed</c> command names the inputs it cuts from traffic (then a hash of the input).</summary>
    private const string SeedPrefix = "seed-";

    private static int Seed(FuzzSettings settings)
    {
        foreach (var target in FuzzTargets.All)
        {
            string folder = Path.Combine(settings.CorpusDirectory, target.Name);
            Directory.CreateDirectory(folder);
            // The seeds are replaced, not added to: a seed the traffic no longer sends (a wire change) would stay in the corpus
            // and start every run from a packet the protocol has dropped. Findings (other names) stay.
            foreach (string stale in Directory.GetFiles(folder, SeedPrefix + "*"))
            {
                File.Delete(stale);
            }
            int count = 0;
            foreach (var input in target.Seeds())
            {
                File.WriteAllBytes(Path.Combine(folder, SeedPrefix + Convert.ToHexString(SHA1.HashData(input))[..16].ToLowerInvariant()), input);
                count++;
            }
            Console.WriteLine($"seed: {target.Name,-16} {count} inputs -> {folder}");
        }
        return 0;
    }

    private static List<byte[]> LoadCorpus(string directory, string target)
    {
        string folder = Path.Combine(directory, target);
        if (!Directory.Exists(folder)) return [];
        return Directory.GetFiles(folder).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    }
}
