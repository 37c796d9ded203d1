import { AppShell, Burger, Button, Group, NavLink } from '@mantine/core';
import { IconLogout, IconMessage } from '@tabler/icons-react';
import { type ReactNode, Suspense, useEffect, useState } from 'react';
import { NoticesBadge } from '../pages/notices';
import { Link, useLocation } from '../router';
import { activeItem, type NavSection } from './nav';

/**
 * The frame of every page: the header (brand, who is signed in, Log out), the sidebar of `nav` (none on
 * the public pages) and the page itself, shown once its area's chunk has loaded.
 */
export function Shell({
  nav,
  who,
  onLogout,
  children,
}: {
  nav: NavSection[];
  who?: string | undefined;
  onLogout?: (() => void) | undefined;
  children: ReactNode;
}) {
  const { path } = useLocation();
  // On a phone the sidebar collapses behind a Menu (burger) button; it closes again after each page change.
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (path) setOpen(false);
  }, [path]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      document.querySelector<HTMLElement>('.menu-toggle')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  const hasNav = nav.length > 0;
  const active = activeItem(nav, path);
  const home = nav[0]?.items[0]?.to ?? '/';
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={hasNav ? { width: 232, breakpoint: 'sm', collapsed: { mobile: !open } } : undefined}
      padding="md"
      // No slide on load or resize (the phone menu's slide is in styles.css).
      transitionDuration={0}
    >
      <a href="#main" className="skip">
        Skip to content
      </a>
      <AppShell.Header className="top">
        <Group h="100%" px="md" gap="sm" wrap="nowrap">
          {hasNav ? (
            <Burger
              className="menu-toggle"
              opened={open}
              onClick={() => setOpen(!open)}
              hiddenFrom="sm"
              size="sm"
              color="white"
              aria-label="Menu"
              aria-expanded={open}
              aria-controls="main-nav"
            />
          ) : null}
          <Link to={home} className="brand">
            <IconMessage size={22} stroke={2} aria-hidden="true" />
            smsgate
          </Link>
          {onLogout ? (
            <div className="who">
              {who ? <span className="who-name">{who}</span> : null}
              <Button
                variant="white"
                size="xs"
                onClick={onLogout}
                leftSection={<IconLogout size={16} aria-hidden="true" />}
              >
                Log out
              </Button>
            </div>
          ) : null}
        </Group>
      </AppShell.Header>
      {hasNav ? (
        <AppShell.Navbar
          component="nav"
          id="main-nav"
          aria-label="Main"
          className="sidebar"
          data-closed={open ? undefined : true}
        >
          <div className="sidebar-scroll">
            {nav.map((section) => (
              <div className="nav-section" key={section.title ?? 'top'}>
                {section.title ? <div className="nav-section-title">{section.title}</div> : null}
                {section.items.map((n) => {
                  const Icon = n.icon;
                  return (
                    <NavLink
                      key={n.to}
                      component={Link}
                      to={n.to}
                      label={n.label}
                      active={active === n.to}
                      aria-current={active === n.to ? 'page' : undefined}
                      leftSection={<Icon size={18} stroke={1.6} />}
                      rightSection={n.to === '/notices' ? <NoticesBadge /> : null}
                    />
                  );
                })}
              </div>
            ))}
            {who ? <p className="nav-who">{who}</p> : null}
          </div>
        </AppShell.Navbar>
      ) : null}
      <AppShell.Main id="main">
        <div className="page">
          <Suspense fallback={<p className="loading">Loading…</p>}>{children}</Suspense>
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
