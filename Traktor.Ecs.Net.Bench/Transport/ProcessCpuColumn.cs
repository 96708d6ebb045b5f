using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// "CPU/op": the benchmark process's CPU time (all threads, user + kernel) per operation, summed over every
/// invocation of the case (pilot, warm-up and measured alike: the same work). BenchmarkDotNet measures wall time
/// only; transports that work on other threads cost more CPU than their wall time shows, and this column says how much.
/// The benchmark process writes its total on cleanup to a file the host's column reads.
/// </summary>
internal sealed class ProcessCpuColumn : IColumn
{
    private static string PathOf(string method, string parameter) =>
        Path.Combine(Path.GetTempPath(), "traktor-bench-cpu", $"{method}-{parameter}.txt");

    /// <summary>Adds the column.</summary>
    public sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ProcessCpuColumn());
    }

    /// <summary>Benchmark side: accumulates process CPU time and operations of one case.</summary>
    public sealed class Meter
    {
        private readonly Process _process = Process.GetCurrentProcess();
        private string? _path;
        private TimeSpan _startedAt;
        private TimeSpan _cpu;
        private long _operations;

        public void Start(string method, string parameter)
        {
            if (_path is null)
            {
                _path = PathOf(method, parameter);
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                File.Delete(_path); // never a previous run's figure
            }
            _process.Refresh();
            _startedAt = _process.TotalProcessorTime;
        }

        public void Stop(long operations)
        {
            _process.Refresh();
            _cpu += _process.TotalProcessorTime - _startedAt;
            _operations += operations;
        }

        public void Save()
        {
            if (_path is null || _operations == 0) return;
            File.WriteAllText(_path, (_cpu.TotalNanoseconds / _operations).ToString("R", CultureInfo.InvariantCulture));
        }
    }

    public string Id => "ProcessCpuPerOp";
    public string ColumnName => "CPU/op";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Time;
    public string Legend => "Process CPU time (all threads) per operation";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        string parameter = string.Join("-", benchmarkCase.Parameters.Items.Select(p => p.Value?.ToString()));
        string path = PathOf(benchmarkCase.Descriptor.WorkloadMethod.Name, parameter);
        if (!File.Exists(path)) return "?";
        double nanoseconds = double.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture);
        return nanoseconds.ToString("N1", CultureInfo.InvariantCulture) + " ns";
    }
}
