// The catalogue: movies and genres, created, edited and deleted with the API's own messages.

import { getAll, post, request } from "../api.js";
import { h, replace } from "../dom.js";
import { notify, showError } from "../notice.js";
import { busy, confirmDialog, field, formActions, FormErrors, select } from "./forms.js";

const MOVIE_STATUSES = [
  ["now_showing", "Now showing"],
  ["coming_soon", "Coming soon"],
  ["ended", "Ended"],
];
const AGE_RATINGS = ["", "G", "PG", "PG-13", "R", "NC-17", "0+", "6+", "12+", "16+", "18+"];
const STATUS_NAMES = Object.fromEntries(MOVIE_STATUSES);

function movieForm({ movie = null, genres, onSaved, onClose }) {
  const inputs = {
    title: h("input", { name: "title", maxlength: 200, value: movie?.title ?? "", required: true }),
    description: h("textarea", { name: "description", rows: 3, maxlength: 5000 }),
    year: h("input", {
      name: "year",
      type: "number",
      inputmode: "numeric",
      value: movie?.year ?? new Date().getFullYear(),
    }),
    duration: h("input", {
      name: "duration",
      type: "number",
      inputmode: "numeric",
      value: movie?.duration ?? "",
    }),
    age_rating: select(
      "age_rating",
      AGE_RATINGS.map((r) => [r, r || "Unrated"]),
      movie?.age_rating ?? "",
    ),
    movie_status: select("movie_status", MOVIE_STATUSES, movie?.movie_status ?? "now_showing"),
    poster_url: h("input", {
      name: "poster_url",
      type: "url",
      maxlength: 2000,
      placeholder: "https://… or /static/posters/….svg",
      value: movie?.poster_url ?? "",
    }),
    trailer_url: h("input", {
      name: "trailer_url",
      type: "url",
      maxlength: 2000,
      placeholder: "https://…",
      value: movie?.trailer_url ?? "",
    }),
  };
  inputs.description.value = movie?.description ?? "";
  const chosen = new Set((movie?.genres ?? []).map((genre) => genre.id));
  const genreBoxes = genres.map((genre) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", value: genre.id, checked: chosen.has(genre.id) }),
      h("span", { text: genre.name }),
    ),
  );
  const genreGroup = h(
    "fieldset",
    { class: "field field--wide checks", dataset: { field: "genres_id" } },
    h("legend", { text: "Genres" }),
    genres.length ? genreBoxes : h("p", { class: "hint", text: "No genres yet." }),
    h("input", { type: "hidden", name: "genres_id" }),
    h("p", { class: "field__error", hidden: true }),
  );
  const form = h(
    "form",
    { class: "card console-form", novalidate: true, "aria-labelledby": "movie-form-title" },
    h("h2", { id: "movie-form-title", text: movie ? `Edit ${movie.title}` : "New movie" }),
    h(
      "div",
      { class: "form-grid" },
      field("Title", inputs.title, { wide: true }),
      field("Description", inputs.description, { wide: true }),
      field("Year", inputs.year),
      field("Length (minutes)", inputs.duration),
      field("Age rating", inputs.age_rating),
      field("Status", inputs.movie_status),
      field("Poster URL", inputs.poster_url, { wide: true }),
      field("Trailer URL", inputs.trailer_url, { wide: true }),
      genreGroup,
    ),
  );
  const errors = new FormErrors(form);
  form.append(errors.box, formActions(movie ? "Save movie" : "Create movie", onClose));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const body = {
      title: inputs.title.value,
      description: inputs.description.value,
      year: Number(inputs.year.value),
      duration: Number(inputs.duration.value),
      age_rating: inputs.age_rating.value,
      movie_status: inputs.movie_status.value,
      poster_url: inputs.poster_url.value.trim() || null,
      trailer_url: inputs.trailer_url.value.trim() || null,
      genres_id: genreBoxes
        .map((box) => box.querySelector("input"))
        .filter((i) => i.checked)
        .map((i) => Number(i.value)),
    };
    try {
      const saved = await busy(form, () =>
        movie
          ? request("PUT", `/api/movies/${movie.id}`, { body }).then((r) => r.data)
          : post("/api/movies", body),
      );
      onSaved(saved);
    } catch (failure) {
      errors.show(failure);
    }
  });
  return form;
}

function genreForm({ genre = null, onSaved, onClose = null }) {
  const name = h("input", {
    name: "name",
    maxlength: 100,
    value: genre?.name ?? "",
    required: true,
  });
  const form = h(
    "form",
    {
      class: genre ? "genre-form genre-form--inline" : "genre-form",
      novalidate: true,
      "aria-label": genre ? `Rename the genre ${genre.name}` : "Add a genre",
    },
    field(genre ? "New name" : "New genre", name),
  );
  const errors = new FormErrors(form);
  form.append(
    errors.box,
    h(
      "div",
      { class: "form-actions" },
      h("button", {
        type: "submit",
        class: "button button--primary button--small",
        text: genre ? "Rename" : "Add genre",
      }),
      onClose
        ? h("button", {
            type: "button",
            class: "button button--ghost button--small",
            text: "Close",
            on: { click: onClose },
          })
        : null,
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const body = { name: name.value };
    try {
      const saved = await busy(form, () =>
        genre
          ? request("PUT", `/api/genres/${genre.id}`, { body }).then((r) => r.data)
          : post("/api/genres", body),
      );
      if (!genre) form.reset();
      onSaved(saved);
    } catch (failure) {
      errors.show(failure);
    }
  });
  return form;
}

async function remove(path, title, body) {
  const sure = await confirmDialog({ title, body, confirmText: "Delete", cancelText: "Keep it" });
  if (!sure) return false;
  try {
    await request("DELETE", path);
    notify("Deleted.", "success");
    return true;
  } catch (failure) {
    showError(failure);
    return false;
  }
}

export async function renderCatalogue(main, view, { canEdit }) {
  replace(main, h("h1", { text: "Catalogue" }), h("p", { class: "muted", text: "Loading…" }));
  const movieSlot = h("div", { class: "form-slot" });
  const movieList = h("ul", { class: "catalogue-list", "aria-label": "Movies" });
  const genreList = h("ul", { class: "catalogue-list", "aria-label": "Genres" });
  let genres = [];
  let movies = [];

  let loads = 0;
  /** Loads both lists again; an answer overtaken by a later reload is dropped. */
  async function reload() {
    loads += 1;
    const load = loads;
    let loaded;
    try {
      loaded = await Promise.all([getAll("/api/genres"), getAll("/api/movies")]);
    } catch (failure) {
      showError(failure);
      return;
    }
    if (view.left || load !== loads) return;
    [genres, movies] = loaded;
    movies.sort((a, b) => a.title.localeCompare(b.title));
    drawMovies();
    drawGenres();
  }

  const closeMovieForm = () => replace(movieSlot);
  function openMovieForm(movie = null) {
    const form = movieForm({
      movie,
      genres,
      onClose: closeMovieForm,
      onSaved: async (saved) => {
        closeMovieForm();
        notify(`${saved.title} saved.`, "success");
        await reload();
      },
    });
    replace(movieSlot, form);
    form.querySelector("input")?.focus();
  }

  function drawMovies() {
    replace(
      movieList,
      movies.length
        ? movies.map((movie) =>
            h(
              "li",
              { class: "catalogue-item", dataset: { movieId: movie.id } },
              h(
                "div",
                { class: "catalogue-item__body" },
                h("strong", { class: "catalogue-item__title", text: movie.title }),
                h(
                  "span",
                  { class: "muted" },
                  `${movie.year} · ${movie.duration} min${movie.age_rating ? ` · ${movie.age_rating}` : ""} · `,
                  h("span", {
                    class: `badge badge--${movie.movie_status}`,
                    text: STATUS_NAMES[movie.movie_status] ?? movie.movie_status,
                  }),
                ),
                movie.genres.length
                  ? h("span", { class: "muted", text: movie.genres.map((g) => g.name).join(", ") })
                  : null,
              ),
              canEdit
                ? h(
                    "div",
                    { class: "catalogue-item__actions" },
                    h("button", {
                      type: "button",
                      class: "button button--small",
                      text: "Edit",
                      "aria-label": `Edit ${movie.title}`,
                      on: { click: () => openMovieForm(movie) },
                    }),
                    h("button", {
                      type: "button",
                      class: "button button--small button--ghost button--danger-text",
                      text: "Delete",
                      "aria-label": `Delete ${movie.title}`,
                      on: {
                        click: async () => {
                          const body = "Its sessions stay in the schedule without a movie.";
                          if (
                            await remove(`/api/movies/${movie.id}`, `Delete ${movie.title}?`, body)
                          )
                            await reload();
                        },
                      },
                    }),
                  )
                : null,
            ),
          )
        : h("li", { class: "empty", text: "No movies yet." }),
    );
  }

  function drawGenres() {
    replace(
      genreList,
      genres.length
        ? genres.map((genre) => {
            const item = h("li", { class: "catalogue-item", dataset: { genreId: genre.id } });
            const show = () =>
              replace(
                item,
                h("div", { class: "catalogue-item__body" }, h("strong", { text: genre.name })),
                canEdit
                  ? h(
                      "div",
                      { class: "catalogue-item__actions" },
                      h("button", {
                        type: "button",
                        class: "button button--small",
                        text: "Rename",
                        "aria-label": `Rename ${genre.name}`,
                        on: {
                          click: () => {
                            const form = genreForm({ genre, onClose: show, onSaved: reload });
                            replace(item, form);
                            form.querySelector("input").focus();
                          },
                        },
                      }),
                      h("button", {
                        type: "button",
                        class: "button button--small button--ghost button--danger-text",
                        text: "Delete",
                        "aria-label": `Delete ${genre.name}`,
                        on: {
                          click: async () => {
                            const body = "Movies of this genre lose it.";
                            if (
                              await remove(
                                `/api/genres/${genre.id}`,
                                `Delete the genre ${genre.name}?`,
                                body,
                              )
                            )
                              await reload();
                          },
                        },
                      }),
                    )
                  : null,
              );
            show();
            return item;
          })
        : h("li", { class: "empty", text: "No genres yet." }),
    );
  }

  replace(
    main,
    h(
      "div",
      { class: "page-head" },
      h("h1", { text: "Catalogue" }),
      canEdit
        ? h("button", {
            type: "button",
            class: "button button--primary",
            text: "New movie",
            on: { click: () => openMovieForm() },
          })
        : null,
    ),
    canEdit
      ? null
      : h("p", {
          class: "muted read-only-note",
          text: "Read only: only admins change the catalogue.",
        }),
    movieSlot,
    h(
      "div",
      { class: "catalogue" },
      h(
        "section",
        { class: "card", "aria-labelledby": "movies-title" },
        h("h2", { id: "movies-title", text: "Movies" }),
        movieList,
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "genres-title" },
        h("h2", { id: "genres-title", text: "Genres" }),
        genreList,
        canEdit
          ? genreForm({
              onSaved: async (saved) => {
                notify(`${saved.name} added.`, "success");
                await reload();
              },
            })
          : null,
      ),
    ),
  );
  await reload();
}
