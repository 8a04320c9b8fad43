using System.Collections.Immutable;
using System.Net;
using MeshProxy.Core.Config;
using Serilog;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// The host source of a STRICT_DNS or LOGICAL_DNS cluster: resolves the targets now, then every
/// <see cref="ClusterConfig.DnsRefreshRate"/> after the previous refresh ended, on the thread pool (never on an event
/// loop), and hands each changed result to the cluster as a new host set. STRICT_DNS makes every address of every
/// target a host; LOGICAL_DNS uses the first address of its (single) target. A target whose resolution fails keeps the
/// addresses it had. Stops for good on <see cref="Dispose"/>.
/// </summary>
internal sealed class DnsHostRefresher : IDisposable
{
    private readonly Cluster _cluster;
    private readonly ImmutableArray<DnsTargetConfig> _targets;
    private readonly IPAddress[]?[] _addresses;
    private readonly bool[] _failing;
    private readonly bool _logical;
    private readonly DnsLookupFamily _family;
    private readonly TimeSpan _refreshRate;
    private readonly UpstreamServices _services;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public DnsHostRefresher(Cluster cluster, ClusterConfig config, UpstreamServices services)
    {
        _cluster = cluster;
        _logical = config.DiscoveryType == ClusterDiscoveryType.LogicalDns;
        // Envoy requires exactly one target for LOGICAL_DNS; should more arrive, the first one is the target.
        _targets = _logical && config.DnsTargets.Length > 1 ? [config.DnsTargets[0]] : config.DnsTargets;
        _addresses = new IPAddress[_targets.Length][];
        _failing = new bool[_targets.Length];
        _family = config.DnsLookupFamily;
        _refreshRate = config.DnsRefreshRate > TimeSpan.Zero ? config.DnsRefreshRate : ClusterConfig.DefaultDnsRefreshRate;
        _services = services;
    }

    /// <summary>Starts resolving; the task completes when the first resolution of every target has ended.</summary>
    public Task StartAsync()
    {
        var first = RefreshAsync(_stop.Token);
        _loop = LoopAsync(first);
        return first;
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        // The loop sees the cancellation at its next delay or resolution and ends; nothing waits for it. The source is
        // only cancelled, not disposed: the loop may still read its token, and it owns no timer or wait handle.
        _stop.Cancel();
    }

    /// <summary>One refresh of every target (refreshes never overlap: the loop starts the next after this one).</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        Outcome outcome;
        if (_targets.Length == 1)
        {
            outcome = await ResolveAsync(0, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var resolutions = new Task<Outcome>[_targets.Length];
            for (var i = 0; i < resolutions.Length; i++)
            {
                resolutions[i] = ResolveAsync(i, cancellationToken);
            }

            outcome = Outcome.Failed;
            foreach (var target in await Task.WhenAll(resolutions).ConfigureAwait(false))
            {
                outcome = (Outcome)Math.Max((int)outcome, (int)target);
            }
        }

        if (outcome != Outcome.Changed)
        {
            if (outcome == Outcome.Unchanged)
            {
                _cluster.Stats.UpdateNoRebuild.Increment();
            }

            return;
        }

        var endpoints = ImmutableArray.CreateBuilder<EndpointConfig>();
        for (var i = 0; i < _targets.Length; i++)
        {
            var target = _targets[i];
            foreach (var address in _addresses[i] ?? [])
            {
                endpoints.Add(new EndpointConfig(
                    new SocketAddressConfig(address, target.Port), target.Weight, EndpointHealth.Healthy, target.Priority, target.Locality));
            }
        }

        _cluster.UpdateHosts(_cluster.BuildHostSet(endpoints.ToImmutable()));
    }

    private async Task LoopAsync(Task first)
    {
        try
        {
            await first.ConfigureAwait(false);
            while (true)
            {
                await Task.Delay(_refreshRate, _services.TimeProvider, _stop.Token).ConfigureAwait(false);
                await RefreshAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the cluster was removed or replaced.
        }
    }

    /// <summary>Resolves one target and records its new addresses.</summary>
    private async Task<Outcome> ResolveAsync(int index, CancellationToken cancellationToken)
    {
        var target = _targets[index];
        var stats = _cluster.Stats;
        stats.UpdateAttempt.Increment();
        IPAddress[] resolved;
        try
        {
            resolved = await _services.DnsResolver.ResolveAsync(target.Host, _family, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any resolver failure has one outcome: count it and keep the previous addresses.
        catch (Exception e)
#pragma warning restore CA1031
        {
            stats.UpdateFailure.Increment();
            if (!_failing[index])
            {
                _failing[index] = true;
                _services.Logger.Warning(
                    "Cluster {Cluster}: resolving {Host} failed, keeping {Count} previous addresses: {Error}",
                    _cluster.Name,
                    target.Host,
                    _addresses[index]?.Length ?? 0,
                    e.Message);
            }

            return Outcome.Failed;
        }

        stats.UpdateSuccess.Increment();
        _failing[index] = false;
        if (_logical && resolved.Length > 1)
        {
            resolved = [resolved[0]];
        }

        var previous = _addresses[index];
        if (previous is not null && previous.AsSpan().SequenceEqual(resolved))
        {
            return Outcome.Unchanged;
        }

        _addresses[index] = resolved;
        return Outcome.Changed;
    }

    /// <summary>What one resolution did, ordered so that the maximum over targets is the refresh's outcome.</summary>
    private enum Outcome
    {
        Failed,
        Unchanged,
        Changed,
    }
}
