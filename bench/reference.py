#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the same architectures, optimizers and batch sizes as
gen-mnist's published-table models, timed the same way (ms per training step after warm-up).

Usage: python3 bench/reference.py --threads 2 --steps 10  → prints one JSON object.
Install on Debian: apt-get install python3-torch libopenblas0-pthread
"""
import argparse
import json
import time

import torch
from torch import nn


def mlp_gan():
    g = nn.Sequential(nn.Linear(100, 128), nn.LeakyReLU(0.2), nn.Linear(128, 256), nn.LeakyReLU(0.2),
                      nn.Linear(256, 512), nn.LeakyReLU(0.2), nn.Linear(512, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    d = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Dropout(0.4), nn.Linear(512, 256),
                      nn.LeakyReLU(0.2), nn.Dropout(0.4), nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Dropout(0.4), nn.Linear(128, 1))
    return g, d


def dcgan_generator(latent, out_act):
    return nn.Sequential(
        nn.Linear(latent, 12544), nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 3, 2, 1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 3, 1, 1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, 1, 1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 2, 1, output_padding=1), out_act)


def dcgan_trunk():
    layers = []
    for cin, cout, stride in [(1, 32, 2), (32, 64, 1), (64, 128, 1), (128, 256, 2)]:
        layers += [nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2), nn.Dropout(0.25)]
    return layers + [nn.Flatten()]


def gan_step(g, d, og, od, x, latent):
    bce = nn.BCEWithLogitsLoss()
    n = x.shape[0]
    z = torch.randn(n, latent)
    fake = g(z)
    d_loss = bce(d(x), torch.ones(n, 1)) + bce(d(fake.detach()), torch.zeros(n, 1))
    od.zero_grad()
    d_loss.backward()
    od.step()
    g_loss = bce(d(g(torch.randn(n, latent))), torch.ones(n, 1))
    og.zero_grad()
    g_loss.backward()
    og.step()


def time_steps(step, steps):
    """Median milliseconds per step after two warm-up steps (as bench.ts measures gen-mnist)."""
    step()
    step()
    samples = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)[len(samples) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    g, d = mlp_gan()
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    x = torch.rand(128, 1, 28, 28) * 2 - 1
    results["mlp-gan"] = {"batch": 128, "ms": time_steps(lambda: gan_step(g, d, og, od, x, 100), args.steps)}

    g = dcgan_generator(100, nn.Tanh())
    d = nn.Sequential(*dcgan_trunk(), nn.Linear(12544, 1))
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    x = torch.rand(64, 1, 28, 28) * 2 - 1
    results["dcgan"] = {"batch": 64, "ms": time_steps(lambda: gan_step(g, d, og, od, x, 100), args.steps)}

    enc = nn.Sequential(*dcgan_trunk(), nn.Linear(12544, 32))
    dec = dcgan_generator(16, nn.Identity())  # logits; the loss applies the sigmoid
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), 1e-3)
    x = torch.rand(64, 1, 28, 28)

    def vae_step():
        mu, logvar = enc(x).chunk(2, dim=1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = nn.functional.binary_cross_entropy_with_logits(dec(z), x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
        loss = recon + kl
        opt.zero_grad()
        loss.backward()
        opt.step()

    results["conv-vae"] = {"batch": 64, "ms": time_steps(vae_step, args.steps)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
